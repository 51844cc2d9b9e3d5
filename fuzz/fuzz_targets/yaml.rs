#![no_main]
// See src/fuzz/mod.rs: the YAML reader in both dialects.
libfuzzer_sys::fuzz_target!(|data: &[u8]| komply::fuzz::yaml(data));
