//! What a name a client chooses for a new resource (a member's file name, a new
//! collection's path segment) may be: one path segment that every store can index and
//! every client can send back unchanged.

/// Why a name is refused for a new resource; the reason the client is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name may not be empty")]
    Empty,
    #[error("a name may not be . or ..")]
    Dot,
    #[error("a name may not contain /")]
    Slash,
    #[error("a name may not contain control characters (U+{0:04X})")]
    Control(u32),
    #[error("a name may be at most {max} bytes long (UTF-8), this one has {len}")]
    TooLong { len: usize, max: usize },
}

/// Whether `name` may name a new resource: not empty, not a dot segment, no `/`, no
/// control characters (NUL and the C0 and C1 ranges, DEL), at most `max_bytes` bytes.
pub fn check_new_name(name: &str, max_bytes: usize) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name == "." || name == ".." {
        return Err(NameError::Dot);
    }
    if name.contains('/') {
        return Err(NameError::Slash);
    }
    if let Some(control) = name.chars().find(|c| c.is_control()) {
        return Err(NameError::Control(control as u32));
    }
    if name.len() > max_bytes {
        return Err(NameError::TooLong {
            len: name.len(),
            max: max_bytes,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "a.ics",
            "3F2504E0-4F89-11D3-9A0C-0305E82C3301.ics",
            "Kalender €",
            ".hidden",
            "..a",
            "a b+c%d",
        ] {
            assert_eq!(check_new_name(name, 64), Ok(()), "{name}");
        }
    }

    #[test]
    fn unusable_names_are_refused_with_the_reason() {
        assert_eq!(check_new_name("", 64), Err(NameError::Empty));
        assert_eq!(check_new_name(".", 64), Err(NameError::Dot));
        assert_eq!(check_new_name("..", 64), Err(NameError::Dot));
        assert_eq!(check_new_name("a/b", 64), Err(NameError::Slash));
        assert_eq!(check_new_name("a\0b", 64), Err(NameError::Control(0)));
        assert_eq!(check_new_name("a\tb", 64), Err(NameError::Control(9)));
        assert_eq!(check_new_name("a\u{7f}", 64), Err(NameError::Control(0x7f)));
        assert_eq!(check_new_name("a\u{85}", 64), Err(NameError::Control(0x85)));
        assert_eq!(
            check_new_name(&"é".repeat(33), 64),
            Err(NameError::TooLong { len: 66, max: 64 })
        );
        assert_eq!(check_new_name(&"é".repeat(32), 64), Ok(()));
        assert!(NameError::TooLong { len: 66, max: 64 }
            .to_string()
            .contains("at most 64 bytes"));
    }
}
