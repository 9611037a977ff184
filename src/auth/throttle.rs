//! The throttle on failed logins: after too many failures for one login or from one
//! client address within a window, further attempts are refused without a password
//! check until the window closes. Counting is an `AttemptStore`'s; the policy is here.
//!
//! A login that has succeeded from an address lately is not held back there by
//! failures elsewhere: a guesser hammering a user's login, or sharing the user's NAT,
//! does not lock the user out. Failures of that very login at that very address still
//! count, so being at the user's address gives a guesser no more tries than anyone.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use super::attempts::{AttemptKey, AttemptStore, Window};

/// How long a successful login keeps its address exempt from the login's and the
/// address's failures.
pub const KNOWN_ADDRESS_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The limits of `davgate.limits.loginFailures*`; 0 turns a count off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failures of one login (and of one login at one address) per window.
    pub per_login: u32,
    /// Failures from one client address per window.
    pub per_address: u32,
    pub window: Duration,
}

pub struct LoginThrottle {
    store: Arc<dyn AttemptStore>,
    limits: ThrottleLimits,
}

/// Who attempts a login, as the throttle counts it.
struct Who {
    login: String,
    address: Option<IpAddr>,
}

impl Who {
    fn new(login: &str, address: Option<IpAddr>) -> Who {
        Who {
            login: login.trim().to_lowercase(),
            address: address.map(client_prefix),
        }
    }

    /// The login's key, then (with an address) the address's and the pair's.
    fn keys(&self) -> Vec<AttemptKey> {
        let mut keys = vec![AttemptKey::Login(self.login.clone())];
        if let Some(address) = self.address {
            keys.push(AttemptKey::Address(address));
            keys.push(AttemptKey::LoginAtAddress(self.login.clone(), address));
        }
        keys
    }

    fn pair(&self) -> Option<AttemptKey> {
        self.address
            .map(|address| AttemptKey::LoginAtAddress(self.login.clone(), address))
    }
}

/// The part of an address that stands for one client: an IPv4 address, or the /64 of an
/// IPv6 address (one subscriber's network, which its holder can fill with addresses).
pub fn client_prefix(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

impl LoginThrottle {
    pub fn new(store: Arc<dyn AttemptStore>, limits: ThrottleLimits) -> Self {
        LoginThrottle { store, limits }
    }

    /// Whether an attempt of `login` from `address` is refused now, and if so for how
    /// long. A store that cannot answer lets the attempt through: the bound on password
    /// checks still holds, and refusing every login would be worse.
    pub async fn refusal(&self, login: &str, address: Option<IpAddr>) -> Option<Duration> {
        let who = Who::new(login, address);
        let keys = who.keys();
        let windows = match self.store.failures(&keys).await {
            Ok(windows) => windows,
            Err(err) => {
                tracing::warn!(error = %err, "login throttle unavailable; attempt let through");
                return None;
            }
        };
        let over = |window: &Option<Window>, limit: u32| {
            window
                .filter(|w| limit > 0 && w.failures >= limit)
                .map(|w| w.remaining)
        };
        let login = over(&windows[0], self.limits.per_login);
        let address = windows
            .get(1)
            .and_then(|w| over(w, self.limits.per_address));
        let pair = windows.get(2).and_then(|w| over(w, self.limits.per_login));
        if let Some(wait) = pair {
            return Some(wait);
        }
        if login.is_none() && address.is_none() {
            return None;
        }
        if let Some(pair) = who.pair() {
            match self.store.succeeded(&pair).await {
                Ok(true) => return None,
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "login throttle unavailable; attempt let through");
                    return None;
                }
            }
        }
        login.max(address)
    }

    /// Counts a failed attempt.
    pub async fn failed(&self, login: &str, address: Option<IpAddr>) {
        let keys = Who::new(login, address).keys();
        if let Err(err) = self.store.add_failures(&keys, self.limits.window).await {
            tracing::warn!(error = %err, "login failure not counted");
        }
    }

    /// Notes a successful login, which exempts its address from the failures of others.
    pub async fn succeeded(&self, login: &str, address: Option<IpAddr>) {
        if let Some(pair) = Who::new(login, address).pair() {
            if let Err(err) = self.store.add_success(&pair, KNOWN_ADDRESS_TTL).await {
                tracing::warn!(error = %err, "successful login not remembered");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::LocalAttempts;

    fn throttle(per_login: u32, per_address: u32) -> LoginThrottle {
        LoginThrottle::new(
            Arc::new(LocalAttempts::new(1000)),
            ThrottleLimits {
                per_login,
                per_address,
                window: Duration::from_secs(600),
            },
        )
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[tokio::test]
    async fn a_login_is_held_back_after_its_limit_in_any_case() {
        let t = throttle(2, 0);
        t.failed("Alice ", None).await;
        assert_eq!(t.refusal("alice", None).await, None);
        t.failed("alice", ip("192.0.2.1")).await;
        let wait = t
            .refusal("ALICE", ip("192.0.2.9"))
            .await
            .expect("held back");
        assert!(wait <= Duration::from_secs(600) && wait > Duration::from_secs(590));
        assert_eq!(t.refusal("bob", None).await, None);
    }

    #[tokio::test]
    async fn zero_turns_a_count_off() {
        let t = throttle(0, 0);
        for _ in 0..50 {
            t.failed("alice", ip("192.0.2.1")).await;
        }
        assert_eq!(t.refusal("alice", ip("192.0.2.1")).await, None);
    }

    #[tokio::test]
    async fn a_known_address_escapes_others_failures_but_not_its_own() {
        let t = throttle(3, 5);
        let home = ip("203.0.113.10");
        t.succeeded("alice", home).await;
        for n in 0..3 {
            t.failed("alice", ip(&format!("198.51.100.{n}"))).await;
        }
        assert!(t.refusal("alice", ip("198.51.100.50")).await.is_some());
        assert_eq!(
            t.refusal("alice", home).await,
            None,
            "login's count: not here"
        );
        for n in 0..5 {
            t.failed(&format!("user{n}"), home).await;
        }
        assert!(
            t.refusal("bob", home).await.is_some(),
            "the address is held back"
        );
        assert_eq!(
            t.refusal("alice", home).await,
            None,
            "address's count: not for her"
        );
        for _ in 0..3 {
            t.failed("alice", home).await;
        }
        assert!(
            t.refusal("alice", home).await.is_some(),
            "her own name there counts"
        );
    }

    #[test]
    fn clients_are_addresses_and_ipv6_networks() {
        let prefix = |a: &str| client_prefix(a.parse().unwrap()).to_string();
        assert_eq!(prefix("192.0.2.7"), "192.0.2.7");
        assert_eq!(prefix("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(prefix("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
        assert_eq!(prefix("2001:db8:1:2::ffff"), "2001:db8:1:2::");
    }
}
