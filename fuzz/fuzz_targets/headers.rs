#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| davgate_checks::request_parts::headers(data));
