#![no_main]
// See src/fuzz/secret_leak.rs: a random project with a planted secret, every command and
// format, no planted value in any output.
libfuzzer_sys::fuzz_target!(|data: &[u8]| komply::fuzz::secret_leak(data));
