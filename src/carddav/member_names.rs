//! Member names in the aggregated address book. Members of the user's default contact
//! folder keep their own name there, so a contact a client creates in the aggregated
//! collection stays at the href the client chose; members of every other folder are
//! named `<folder id>~<name>`. A default-folder member whose own name has that form is
//! prefixed as well, so every name maps to exactly one (folder, name) and back.

use crate::store::FolderId;

/// Where a name in the aggregated collection points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregatedName {
    /// A name without a folder prefix: a member of the default folder.
    Default(String),
    /// `<folder>~<name>`.
    InFolder(FolderId, String),
}

/// The aggregated collection's name for member `name` of `folder`.
pub fn aggregated_name(folder: FolderId, name: &str, default_folder: Option<FolderId>) -> String {
    if Some(folder) == default_folder && parse_prefixed(name).is_none() {
        name.to_owned()
    } else {
        format!("{folder}~{name}")
    }
}

/// The folder and member name behind a name of the aggregated collection.
pub fn resolve_aggregated_name(name: &str) -> AggregatedName {
    match parse_prefixed(name) {
        Some((folder, rest)) => AggregatedName::InFolder(folder, rest.to_owned()),
        None => AggregatedName::Default(name.to_owned()),
    }
}

fn parse_prefixed(name: &str) -> Option<(FolderId, &str)> {
    let (digits, rest) = name.split_once('~')?;
    if digits.is_empty() || rest.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(folder: FolderId, name: &str, default: Option<FolderId>) -> (FolderId, String) {
        match resolve_aggregated_name(&aggregated_name(folder, name, default)) {
            AggregatedName::Default(n) => (default.unwrap(), n),
            AggregatedName::InFolder(f, n) => (f, n),
        }
    }

    #[test]
    fn default_folder_members_keep_their_name() {
        assert_eq!(aggregated_name(30, "abc.vcf", Some(30)), "abc.vcf");
        assert_eq!(
            resolve_aggregated_name("abc.vcf"),
            AggregatedName::Default("abc.vcf".into())
        );
    }

    #[test]
    fn other_folders_are_prefixed() {
        assert_eq!(aggregated_name(6, "abc.vcf", Some(30)), "6~abc.vcf");
        assert_eq!(
            resolve_aggregated_name("6~abc.vcf"),
            AggregatedName::InFolder(6, "abc.vcf".into())
        );
    }

    #[test]
    fn every_name_maps_back_to_its_folder() {
        for (folder, name) in [
            (30, "abc.vcf"),
            (30, "6~abc.vcf"),
            (6, "6~abc.vcf"),
            (6, "~x.vcf"),
            (30, "~x.vcf"),
            (30, "12a~x.vcf"),
            (7, "ü ñ.vcf"),
        ] {
            assert_eq!(
                round_trip(folder, name, Some(30)),
                (folder, name.to_owned()),
                "{folder} {name}"
            );
        }
    }

    #[test]
    fn names_that_only_look_prefixed_are_default_folder_names() {
        for name in ["~x.vcf", "12a~x.vcf", "12~", "x~12.vcf"] {
            assert_eq!(
                resolve_aggregated_name(name),
                AggregatedName::Default(name.into())
            );
        }
    }
}
