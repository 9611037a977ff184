#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| davgate_checks::xml_bodies::xml_propfind(data));
