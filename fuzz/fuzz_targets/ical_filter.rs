#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| davgate_checks::calendar::ical_filter(data));
