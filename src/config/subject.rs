//! Gathers what the cascade needs about a user from the store: context name and id,
//! `taxonomy/types`, module permissions, context and user attributes.

use super::cascade::CascadeSubject;
use crate::store::{DynStore, StoreResult, User};

pub async fn subject_for(store: &DynStore, user: &User) -> StoreResult<CascadeSubject> {
    let context = store.context(user.context_id).await?;
    let context_attributes = store.attributes(user.context_id, None).await?;
    let user_attributes = store.attributes(user.context_id, Some(user.id)).await?;
    Ok(CascadeSubject {
        context_id: context.id,
        context_name: context.name,
        // The cascade reads `taxonomy/types` from the context attributes themselves.
        taxonomy_types: String::new(),
        permissions: user.permissions.clone(),
        context_attributes,
        user_attributes,
    })
}
