//! Which user a login names: `user` (the default context), `user@mapping` (the context
//! whose login mapping is the part after `@`), or a mail address or alias.

use crate::store::{DynStore, StoreResult, User};

/// The login mapping that marks the context for logins without a domain, as in OX.
pub const DEFAULT_CONTEXT_MAPPING: &str = "defaultcontext";

pub async fn resolve_login(store: &DynStore, login: &str) -> StoreResult<Option<User>> {
    let login = login.trim();
    if login.is_empty() {
        return Ok(None);
    }
    if let Some((local, domain)) = login.rsplit_once('@') {
        if let Some(context) = store.context_for_mapping(&domain.to_lowercase()).await? {
            if let Some(user) = store.user_by_login(context, local).await? {
                return Ok(Some(user));
            }
            if let Some(user) = store.user_by_login(context, login).await? {
                return Ok(Some(user));
            }
            let by_mail = store.users_by_mail(login).await?;
            return Ok(by_mail.into_iter().find(|u| u.context_id == context));
        }
        // No mapping: a mail address is unique enough only if one user has it.
        let mut by_mail = store.users_by_mail(login).await?;
        return Ok(if by_mail.len() == 1 {
            by_mail.pop()
        } else {
            None
        });
    }
    let context = match store.context_for_mapping(DEFAULT_CONTEXT_MAPPING).await? {
        Some(context) => Some(context),
        None => {
            let contexts = store.contexts().await?;
            (contexts.len() == 1).then(|| contexts[0].id)
        }
    };
    match context {
        Some(context) => store.user_by_login(context, login).await,
        None => Ok(None),
    }
}
