//! DAV:quota-used-bytes and DAV:quota-available-bytes (RFC 4331) of the calendar and
//! address book homes and of collections, answered when asked for by name (never for
//! a bare allprop, RFC 4331 3).
//!
//! They describe the viewer's own quota: the bytes of the folders the viewer owns
//! against `davgate.quota.bytes`. A collection shared by another user, or a public one,
//! has neither (404): its owner's usage would tell of folders the viewer cannot see.
//! Without a byte quota quota-available-bytes is absent too (RFC 4331 3 allows that for
//! unlimited storage).

use crate::access::DavUser;
use crate::config::props;
use crate::dav::propfind::PropfindRequest;
use crate::dav::KnownProp;
use crate::dav::PropValue;
use crate::http::AppState;
use crate::store::{StoreResult, UserId};

/// The quota properties of one request: loaded once (one query) when the request names
/// either of them.
#[derive(Debug, Clone, Default)]
pub struct QuotaProps {
    /// The viewer and the properties of what the viewer owns.
    own: Option<(UserId, Vec<(KnownProp, PropValue)>)>,
}

impl QuotaProps {
    pub async fn load(
        state: &AppState,
        me: &DavUser,
        request: &PropfindRequest,
    ) -> StoreResult<QuotaProps> {
        if !asks_for_quota(request) {
            return Ok(QuotaProps::default());
        }
        let usage = state
            .store
            .quota_usage(me.user.context_id, me.user.id)
            .await?;
        let mut found = vec![(
            KnownProp::QuotaUsedBytes,
            PropValue::Text(usage.bytes.to_string()),
        )];
        let limit = me.config.get::<props::QuotaBytes>();
        if limit >= 0 {
            found.push((
                KnownProp::QuotaAvailableBytes,
                PropValue::Text((limit - usage.bytes).max(0).to_string()),
            ));
        }
        Ok(QuotaProps {
            own: Some((me.user.id, found)),
        })
    }

    /// The properties of a home or collection whose folders `owner` owns (None: a
    /// public folder without owner).
    pub fn of(&self, owner: Option<UserId>) -> &[(KnownProp, PropValue)] {
        match &self.own {
            Some((me, found)) if owner == Some(*me) => found,
            _ => &[],
        }
    }
}

fn asks_for_quota(request: &PropfindRequest) -> bool {
    match request {
        PropfindRequest::Prop(names) | PropfindRequest::AllProp { include: names } => {
            names.iter().any(|name| {
                matches!(
                    KnownProp::from_name(name),
                    Some(KnownProp::QuotaUsedBytes | KnownProp::QuotaAvailableBytes)
                )
            })
        }
        _ => false,
    }
}
