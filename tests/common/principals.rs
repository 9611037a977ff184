//! Who the scheduling tests schedule with: a group, a room and a projector beside alice
//! and bob of `site()`.

use davgate::provision::create_user;
use davgate::store::{DynStore, Group, Resource, ResourceKind, User, UserUpdate};

use super::http::*;
use super::scheduling::add_room1;

/// What the tests schedule with: the group `team` (alice, bob and the disabled carol),
/// a room and a projector.
pub struct Partners {
    pub team: Group,
    pub room: Resource,
    pub projector: Resource,
    pub carol: User,
}

pub async fn partners(site: &Site) -> Partners {
    let store = &site.store;
    let ctx = site.alice.context_id;
    let carol = create_user(
        store,
        ctx,
        user_spec(
            "carol",
            "carol@example.com",
            &[],
            "Carol Clark",
            "c-Secret-3",
        ),
    )
    .await
    .unwrap();
    let team = store
        .create_group(ctx, "team", "Team", &[site.alice.id, site.bob.id, carol.id])
        .await
        .unwrap();
    disable(store, &carol).await;
    let room = add_room1(store, ctx).await;
    let projector = store
        .create_resource(
            ctx,
            "projector",
            "Projector",
            "projector@example.com",
            ResourceKind::Equipment,
        )
        .await
        .unwrap();
    Partners {
        team,
        room,
        projector,
        carol,
    }
}

pub async fn disable(store: &DynStore, user: &User) {
    store
        .update_user(
            user.context_id,
            user.id,
            UserUpdate {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// The text of a found property of `response`, trimmed.
pub fn text(response: &DavResponse, ns: &str, local: &str) -> String {
    response.found(ns, local).text.trim().to_string()
}
