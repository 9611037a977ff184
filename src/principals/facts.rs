//! What the properties of principals need from the store beyond the principal itself,
//! loaded once per request: the groups of the viewer's context (for `DAV:group-membership`)
//! and, for the viewer's own principal, the default calendar and task collections as the
//! viewer's calendar home lists them (for the scheduling defaults of RFC 6638 9.2), and
//! whose default calendars delegate to the viewer (`proxy`).

use crate::access::DavUser;
use crate::caldav::home;
use crate::config::props;
use crate::store::{DynStore, FolderModule, Group, StoreResult, UserId};

use super::{enabled_users, without_disabled, EntryResource, ProxyKind};

/// See the module documentation. `Default` is "nothing loaded": resources that are no
/// principals need none of it.
#[derive(Debug, Clone, Default)]
pub struct PrincipalFacts {
    /// The groups of the viewer's context, disabled members left out.
    groups: Vec<Group>,
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
        let (mut users, mut own) = (false, false);
        for entry in entries {
            if let EntryResource::UserPrincipal(user) = entry {
                users = true;
                own |= user.id == me.user.id;
            }
        }
        let mut facts = Self::default();
        if users {
            facts.groups = context_groups(store, me).await?;
        }
        if own {
            facts.load_own(store, me).await?;
        }
        Ok(facts)
    }

    /// Everything any principal may need (expand-property follows hrefs to principals
    /// it cannot know in advance).
    pub async fn load_all(store: &DynStore, me: &DavUser) -> StoreResult<Self> {
        let mut facts = Self {
            groups: context_groups(store, me).await?,
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
    pub(super) fn groups_of(&self, user: UserId) -> impl Iterator<Item = i64> + '_ {
        self.groups
            .iter()
            .filter(move |g| g.members.contains(&user))
            .map(|g| g.id)
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
        .default_folder(me.user.context_id, me.user.id, module)
        .await?
    else {
        return Ok(None);
    };
    Ok(home::calendar(store, me, folder.id)
        .await?
        .map(|collection| collection.sub_path()))
}
