#![no_main]
// See src/fuzz/mod.rs for the input format.
libfuzzer_sys::fuzz_target!(|data: &[u8]| komply::fuzz::overlay(data));
