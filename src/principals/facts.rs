//! What the properties of principals need from the store beyond the principal itself,
//! loaded once per request: the groups the listed users are members of (for
//! `DAV:group-membership`)
//! and, for the viewer's own principal, the default calendar and task collections as the
//! viewer's calendar home lists them (for the scheduling defaults of RFC 6638 9.2), and
//! whose default calendars delegate to the viewer (`proxy`).

use crate::access::DavUser;
use crate::caldav::home;
use crate::config::props;
use crate::store::{DynStore, FolderModule, Group, StoreResult, UserId};

/// The groups of the principals of a request: of one user (a principal answered alone,
/// Depth 0), or of the whole context (a listing of principals).
#[derive(Debug, Clone, Default)]
enum Memberships {
    #[default]
    None,
    /// The groups `.0` is a member of.
    OneUser(UserId, Vec<i64>),
    /// The groups of the viewer's context, disabled members left out.
    Context(Vec<Group>),
}

use super::{enabled_users, without_disabled, EntryResource, ProxyKind};

/// See the module documentation. `Default` is "nothing loaded": resources that are no
/// principals need none of it.
#[derive(Debug, Clone, Default)]
pub struct PrincipalFacts {
    groups: Memberships,
    /// Whether the viewer schedules through CalDAV here (CalDAV is enabled for them):
    /// only then does the own principal name the inbox, outbox and defaults.
    pub(super) schedules: bool,
    /// Sub-paths of the viewer's default calendar and task collections, when the
    /// calendar home lists them.
    pub(super) default_calendar: Option<String>,
    pub(super) default_tasks: Option<String>,
    /// The users whose default calendars make the viewer a delegate, with the proxy
    /// group she is in, ordered by user.
    pub(super) proxy_for: Vec<(UserId, ProxyKind)>,
}

impl PrincipalFacts {
    /// What `entries` need: the context's groups when one of them is a user's principal,
    /// the viewer's defaults when one is the viewer's own principal.
    pub async fn load<'a>(
        store: &DynStore,
        me: &DavUser,
        entries: impl IntoIterator<Item = &'a EntryResource>,
    ) -> StoreResult<Self> {
        let mut users: Vec<UserId> = Vec::new();
        for entry in entries {
            if let EntryResource::UserPrincipal(user) = entry {
                users.push(user.id);
            }
        }
        users.sort_unstable();
        users.dedup();
        let own = users.contains(&me.user.id);
        let groups = match users.as_slice() {
            [] => Memberships::None,
            // The viewer's groups came with the profile, under the same invalidation as
            // every other part of it.
            [user] if *user == me.user.id => Memberships::OneUser(*user, me.groups.clone()),
            // Principals are enabled users: no disabled member to leave out.
            [user] => {
                Memberships::OneUser(*user, store.groups_of(me.user.context_id, *user).await?)
            }
            _ => Memberships::Context(context_groups(store, me).await?),
        };
        let mut facts = Self {
            groups,
            ..Self::default()
        };
        if own {
            facts.load_own(store, me).await?;
        }
        Ok(facts)
    }

    /// Everything any principal may need (expand-property follows hrefs to principals
    /// it cannot know in advance).
    pub async fn load_all(store: &DynStore, me: &DavUser) -> StoreResult<Self> {
        let mut facts = Self {
            groups: Memberships::Context(context_groups(store, me).await?),
            ..Self::default()
        };
        facts.load_own(store, me).await?;
        Ok(facts)
    }

    async fn load_own(&mut self, store: &DynStore, me: &DavUser) -> StoreResult<()> {
        self.proxy_for = store
            .default_calendars_granting(me.user.context_id, me.user.id)
            .await?
            .into_iter()
            .filter_map(|(owner, permission)| ProxyKind::of(&permission).map(|kind| (owner, kind)))
            .collect();
        self.schedules = me.config.get::<props::CaldavEnabled>();
        if !self.schedules {
            return Ok(());
        }
        self.default_calendar = default_collection(store, me, FolderModule::Calendar).await?;
        self.default_tasks = default_collection(store, me, FolderModule::Tasks).await?;
        Ok(())
    }

    /// The ids of the groups `user` is a member of.
    pub(super) fn groups_of(&self, user: UserId) -> Vec<i64> {
        match &self.groups {
            Memberships::None => Vec::new(),
            Memberships::OneUser(one, groups) if *one == user => groups.clone(),
            Memberships::OneUser(..) => Vec::new(),
            Memberships::Context(groups) => groups
                .iter()
                .filter(|g| g.members.contains(&user))
                .map(|g| g.id)
                .collect(),
        }
    }
}

async fn context_groups(store: &DynStore, me: &DavUser) -> StoreResult<Vec<Group>> {
    let groups = store.groups(me.user.context_id).await?;
    if groups.is_empty() {
        return Ok(groups);
    }
    let enabled = enabled_users(store, &me.user).await?;
    Ok(groups
        .into_iter()
        .map(|g| without_disabled(g, &enabled))
        .collect())
}

/// The sub-path of the viewer's default folder of `module` as the calendar home lists
/// it; None when there is none or the home does not list it (not used for sync, say).
async fn default_collection(
    store: &DynStore,
    me: &DavUser,
    module: FolderModule,
) -> StoreResult<Option<String>> {
    let Some(folder) = store
        .visible_default_folder(me.user.context_id, me.user.id, module)
        .await?
    else {
        return Ok(None);
    };
    Ok(home::listed_collection(store, me, folder)
        .await?
        .map(|collection| collection.sub_path()))
}
