//! Address books as the user sees them through CardDAV: one per contact folder, or the
//! aggregated `Contacts` collection spanning several folders, with paths and live
//! properties.

use std::collections::HashMap;

use crate::access::{seen_by, FolderRights, Sharing};
use crate::carddav::member_names::{aggregated_name, resolve_aggregated_name, AggregatedName};
use crate::dav::{supported_report_set, ElementName, KnownProp, PropValue, XmlElement};
use crate::http::paths::{encode_segment_into, DavPaths};
use crate::store::{
    ContextId, DynStore, Folder, FolderId, FolderModule, StoreResult, User, UserId,
};
use crate::sync_token::{sync_token, SpanToken};

/// The path segment of the aggregated collection: `/carddav/Contacts/`.
pub const AGGREGATED_SEGMENT: &str = "Contacts";
/// The aggregated collection's display name.
pub const AGGREGATED_DISPLAY_NAME: &str = "All Contacts";

/// A contact folder the user may see, with the user's rights on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFolder {
    pub folder: Folder,
    pub rights: FolderRights,
    pub sharing: Sharing,
    pub display_name: String,
    /// The path segment: for its owner, the name a client gave it; otherwise the id.
    segment: String,
}

impl ContactFolder {
    /// The folder as `me` (member of `groups`) sees it; None when it is not a contact
    /// folder or the user may not see it. `owner_name` names the owner of another
    /// user's folder (for the shared display name).
    pub fn project(
        folder: Folder,
        me: &User,
        groups: &[i64],
        owner_name: Option<&str>,
        shared_name_template: &str,
    ) -> Option<ContactFolder> {
        if folder.module != FolderModule::Contacts {
            return None;
        }
        let (rights, sharing, display_name) =
            seen_by(&folder, me.id, groups, owner_name, shared_name_template)?;
        // A name a client chose is its owner's: everybody else addresses the folder by id.
        let segment = match &folder.dav_name {
            Some(name) if folder.owner_id == Some(me.id) => name.clone(),
            _ => folder.id.to_string(),
        };
        Some(ContactFolder {
            folder,
            rights,
            sharing,
            display_name,
            segment,
        })
    }

    pub fn id(&self) -> FolderId {
        self.folder.id
    }

    /// The address book's path segment for the viewer: for its owner, the name a client
    /// gave it (extended MKCOL); otherwise the folder id.
    pub fn path_segment(&self) -> &str {
        &self.segment
    }
}

/// The contact folders behind `/carddav/Contacts/`, and the user's default contact
/// folder, where new contacts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregated {
    /// The collection shows none of their names: a shared folder's `display_name` here
    /// is its own name, not `sharedFolderDisplayName`'s.
    pub folders: Vec<ContactFolder>,
    pub default_folder: Option<FolderId>,
    /// The user whose view of the folders this is.
    pub owner: UserId,
}

/// An address book collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressBook {
    /// `/carddav/<folder id>/`.
    Folder(ContactFolder),
    /// `/carddav/Contacts/`.
    Aggregated(Aggregated),
}

/// Which folder and member name a member name of an address book stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<'a> {
    pub folder: &'a ContactFolder,
    pub name: String,
}

impl AddressBook {
    /// Whose quota the address book shows (RFC 4331): a folder's owner; the aggregated
    /// book is the viewer's, `me`.
    pub fn quota_owner(&self, me: i64) -> Option<i64> {
        match self {
            Self::Folder(folder) => folder.folder.owner_id,
            Self::Aggregated(_) => Some(me),
        }
    }

    /// `/carddav/<segment>/`, below the DAV prefix.
    pub fn sub_path(&self) -> String {
        match self {
            Self::Folder(folder) => {
                let mut path = String::with_capacity(48);
                path.push_str("/carddav/");
                encode_segment_into(&mut path, folder.path_segment());
                path.push('/');
                path
            }
            Self::Aggregated(_) => format!("/carddav/{AGGREGATED_SEGMENT}/"),
        }
    }

    /// The folders whose members the collection shows.
    pub fn folders(&self) -> &[ContactFolder] {
        match self {
            Self::Folder(folder) => std::slice::from_ref(folder),
            Self::Aggregated(aggregated) => &aggregated.folders,
        }
    }

    pub fn folder_ids(&self) -> Vec<FolderId> {
        self.folders().iter().map(ContactFolder::id).collect()
    }

    pub fn folder(&self, id: FolderId) -> Option<&ContactFolder> {
        self.folders().iter().find(|f| f.id() == id)
    }

    /// The collection's name for member `name` of `folder`.
    pub fn member_name(&self, folder: FolderId, name: &str) -> String {
        match self {
            Self::Folder(_) => name.to_owned(),
            Self::Aggregated(aggregated) => {
                aggregated_name(folder, name, aggregated.default_folder)
            }
        }
    }

    /// `/carddav/<segment>/<member name>`, percent-encoded.
    pub fn member_sub_path(&self, folder: FolderId, name: &str) -> String {
        let mut path = self.sub_path();
        match self {
            Self::Folder(_) => encode_segment_into(&mut path, name),
            Self::Aggregated(_) => encode_segment_into(&mut path, &self.member_name(folder, name)),
        }
        path
    }

    /// The folder and stored name a member name of this collection stands for; None when
    /// it points into a folder the collection does not span.
    pub fn locate(&self, member_name: &str) -> Option<Located<'_>> {
        match self {
            Self::Folder(folder) => Some(Located {
                folder,
                name: member_name.to_owned(),
            }),
            Self::Aggregated(aggregated) => {
                let (id, name) = match resolve_aggregated_name(member_name) {
                    AggregatedName::Default(name) => (aggregated.default_folder?, name),
                    AggregatedName::InFolder(id, name) => (id, name),
                };
                self.folder(id).map(|folder| Located { folder, name })
            }
        }
    }

    /// The latest change sequence of the collection's folders, from `seqs` (each
    /// folder's latest sequence, as `ChangeLog::folder_seqs` reads them; a folder without
    /// changes absent): what its sync token and ctag are made of.
    pub fn latest_seq(&self, seqs: &HashMap<FolderId, i64>) -> i64 {
        self.folders()
            .iter()
            .filter_map(|f| seqs.get(&f.id()))
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// The collection's sync token as it is now: one query for its folders' latest
    /// changes. (PROPFIND reads those of several collections at once and goes through
    /// `latest_seq` and `sync_token` itself.)
    pub async fn current_sync_token(
        &self,
        store: &DynStore,
        context: ContextId,
    ) -> StoreResult<String> {
        let seqs = store.folder_seqs(context, &self.folder_ids()).await?;
        Ok(self.sync_token(self.latest_seq(&seqs)))
    }

    /// The sync token for the collection, given the latest sequence of its folders.
    pub fn sync_token(&self, seq: i64) -> String {
        match self {
            Self::Folder(_) => sync_token(seq),
            Self::Aggregated(_) => SpanToken::new(seq, &self.folder_ids()).to_uri(),
        }
    }

    /// The privileges the user has on the collection: a folder's own; for the aggregated
    /// collection, reading, plus what the default folder allows (new contacts go there).
    pub fn privilege_names(&self) -> Vec<&'static str> {
        match self {
            Self::Folder(folder) => folder.rights.privilege_names(),
            Self::Aggregated(aggregated) => {
                let mut names = vec!["read-current-user-privilege-set", "read"];
                if let Some(default) = aggregated.default_folder.and_then(|id| self.folder(id)) {
                    names.extend(
                        default
                            .rights
                            .privilege_names()
                            .into_iter()
                            .filter(|n| matches!(*n, "write-content" | "bind" | "unbind")),
                    );
                }
                names
            }
        }
    }

    /// The live properties, with the latest change sequence of the collection's folders.
    pub fn properties(
        &self,
        paths: &DavPaths,
        seq: i64,
        max_resource_size: u64,
    ) -> Vec<(KnownProp, PropValue)> {
        let token = self.sync_token(seq);
        let ctag = match self {
            Self::Folder(folder) => format!("{}-{seq}", folder.id()),
            Self::Aggregated(_) => token.clone(),
        };
        let address_data = |version: &str| {
            XmlElement::empty(ElementName::carddav("address-data-type"))
                .with_attribute("content-type", "text/vcard")
                .with_attribute("version", version)
        };
        let mut props = vec![
            (
                KnownProp::ResourceType,
                PropValue::Elements(vec![
                    XmlElement::empty(ElementName::dav("collection")),
                    XmlElement::empty(ElementName::carddav("addressbook")),
                ]),
            ),
            (KnownProp::DisplayName, PropValue::Text(self.display_name())),
            (
                KnownProp::SupportedAddressData,
                PropValue::Elements(vec![address_data("3.0"), address_data("4.0")]),
            ),
            (
                KnownProp::AddressbookMaxResourceSize,
                PropValue::Text(max_resource_size.to_string()),
            ),
            (KnownProp::GetCtag, PropValue::Text(ctag)),
            (KnownProp::SyncToken, PropValue::Text(token)),
            (
                KnownProp::CurrentUserPrivilegeSet,
                crate::access::privilege_set(&self.privilege_names()),
            ),
            (
                KnownProp::SupportedReportSet,
                supported_reports(matches!(self, Self::Folder(_))),
            ),
        ];
        let owner = match self {
            Self::Folder(folder) => folder.folder.owner_id,
            Self::Aggregated(aggregated) => Some(aggregated.owner),
        };
        if let Some(owner) = owner {
            props.push((
                KnownProp::Owner,
                PropValue::Href(paths.external(&format!("/principals/users/{owner}/"))),
            ));
        }
        if let Self::Folder(folder) = self {
            if let Some(description) = &folder.folder.description {
                props.push((
                    KnownProp::AddressbookDescription,
                    PropValue::Text(description.clone()),
                ));
            }
        }
        props
    }

    pub fn display_name(&self) -> String {
        match self {
            Self::Folder(folder) => folder.display_name.clone(),
            Self::Aggregated(_) => AGGREGATED_DISPLAY_NAME.into(),
        }
    }
}

/// The aggregated collection has no ACL of its own to report on.
fn supported_reports(folder: bool) -> PropValue {
    let mut reports = vec![
        ElementName::carddav("addressbook-multiget"),
        ElementName::carddav("addressbook-query"),
        ElementName::dav("sync-collection"),
    ];
    if folder {
        reports.push(ElementName::dav("acl-principal-prop-set"));
        reports.push(ElementName::dav("principal-match"));
    }
    supported_report_set(&reports)
}
