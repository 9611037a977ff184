//! Bearer tokens as an identity provider issues them and attackers forge them: keys made
//! in the test (RSA, P-256, Ed25519, an HS256 secret), the JWKS document served over
//! loopback HTTP, tokens checked by the real router on every store.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::routing::get;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::caldav::LAYOUT;
use common::http::*;
use davgate::store::{Attribute, UserUpdate};
use http::StatusCode;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const HMAC_SECRET: &str = "a shared secret of more than thirty-two bytes";
const ISSUER: &str = "https://id.example.com/";
const AUDIENCE: &str = "davgate";

/// A signing key made for this test, with its public half as a JWK.
struct Key {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_key(kid: &str) -> Key {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    use rsa::Generate;
    let private = rsa::PrivateKey::generate();
    let public = private.to_public_key();
    Key {
        kid: kid.into(),
        algorithm: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes()),
        jwk: json!({"kty": "RSA", "kid": kid, "use": "sig",
            "n": b64(&public.n_bytes()), "e": b64(&public.e_bytes())}),
    }
}

fn ec_key(kid: &str) -> Key {
    use p256::pkcs8::EncodePrivateKey;
    let private = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()).unwrap();
    let point = private.verifying_key().to_sec1_point(false);
    let xy = &point.as_bytes()[1..];
    Key {
        kid: kid.into(),
        algorithm: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(private.to_pkcs8_der().unwrap().as_bytes()),
        jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256",
            "x": b64(&xy[..32]), "y": b64(&xy[32..])}),
    }
}

fn ed_key(kid: &str) -> Key {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let private = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    Key {
        kid: kid.into(),
        algorithm: Algorithm::EdDSA,
        encoding: EncodingKey::from_ed_der(private.to_pkcs8_der().unwrap().as_bytes()),
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": kid,
            "x": b64(&private.verifying_key().to_bytes())}),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims of a token for `email`, valid for an hour, for davgate from the issuer.
fn claims(email: &str) -> Value {
    json!({"email": email, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 3600,
        "iat": now(), "sub": "u-1"})
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(key.algorithm);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding).unwrap()
}

fn sign_hs256(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
}

/// The identity provider's JWKS endpoint on loopback, counting its fetches.
struct Jwks {
    url: String,
    document: Arc<Mutex<Value>>,
    fetches: Arc<AtomicU64>,
}

impl Jwks {
    async fn serve(keys: &[&Key]) -> Jwks {
        let document = Arc::new(Mutex::new(
            json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}),
        ));
        let fetches = Arc::new(AtomicU64::new(0));
        let app = axum::Router::new()
            .route(
                "/jwks",
                get(
                    |State((document, fetches)): State<(Arc<Mutex<Value>>, Arc<AtomicU64>)>| async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        let body = document.lock().unwrap().to_string();
                        ([("cache-control", "public, max-age=3600"), ("content-type", "application/json")], body)
                    },
                ),
            )
            .with_state((document.clone(), fetches.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Jwks {
            url,
            document,
            fetches,
        }
    }

    fn add(&self, key: &Key) {
        let mut document = self.document.lock().unwrap();
        document["keys"]
            .as_array_mut()
            .unwrap()
            .push(key.jwk.clone());
    }

    fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn settings<'a>(jwks: &'a Jwks, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = LAYOUT.to_vec();
    all.extend([
        ("davgate.tokens.jwksUrl", jwks.url.as_str()),
        ("davgate.tokens.hmacSecret", HMAC_SECRET),
        ("davgate.tokens.issuer", ISSUER),
        ("davgate.tokens.audience", AUDIENCE),
    ]);
    all.extend_from_slice(extra);
    all
}

async fn with_token(site: &Site, token: &str) -> Answer {
    let call = Call::new("PROPFIND", "/dav/")
        .header("authorization", format!("Bearer {token}"))
        .depth("0")
        .body(CURRENT_USER.as_bytes().to_vec());
    send(&site.app, call).await
}

const CURRENT_USER: &str = r#"<?xml version="1.0"?>
<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>"#;

fn challenges(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Asserts a 401 that says the token is invalid and offers Basic too.
fn assert_invalid_token(answer: &Answer, what: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
    let offered = challenges(answer);
    assert!(
        offered
            .iter()
            .any(|c| c.starts_with("Bearer") && c.contains("error=\"invalid_token\"")),
        "{what}: {offered:?}"
    );
    assert!(
        offered.iter().any(|c| c.starts_with("Basic")),
        "{what}: {offered:?}"
    );
}

fn principal_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::MULTI_STATUS);
    answer.multistatus()[0].href_of(DAV, "current-user-principal")
}

#[tokio::test]
async fn tokens_signed_with_every_kind_of_key_log_in() {
    let (rsa, ec, ed) = (rsa_key("rsa-1"), ec_key("ec-1"), ed_key("ed-1"));
    let jwks = Jwks::serve(&[&rsa, &ec, &ed]).await;
    let mut apps = 0;
    for db in common::databases().await {
        let site = site(&db.store, &settings(&jwks, &[])).await;
        apps += 1;
        let label = db.label;
        let alice = format!("/dav/principals/users/{}/", site.alice.id);
        for key in [&rsa, &ec, &ed] {
            let answer = with_token(&site, &sign(key, &claims("alice@example.com"))).await;
            assert_eq!(principal_of(&answer), alice, "{label}: {:?}", key.algorithm);
        }
        let answer = with_token(
            &site,
            &sign_hs256(HMAC_SECRET.as_bytes(), None, &claims("bob@example.com")),
        )
        .await;
        assert_eq!(
            principal_of(&answer),
            format!("/dav/principals/users/{}/", site.bob.id),
            "{label}: HS256"
        );
        // A key used without its id: the keys of the token's algorithm are tried.
        let mut header = Header::new(Algorithm::ES256);
        header.kid = None;
        let token = encode(&header, &claims("alice.l@example.com"), &ec.encoding).unwrap();
        assert_eq!(
            principal_of(&with_token(&site, &token).await),
            alice,
            "{label}: alias, no kid"
        );
        // Passwords still work beside tokens.
        let call = Call::new("PROPFIND", "/dav/")
            .auth("alice", ALICE_PASSWORD)
            .depth("0");
        assert_eq!(
            send(&site.app, call).await.status,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        assert_eq!(
            jwks.fetches(),
            apps,
            "{label}: one fetch, kept for its max-age"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn the_login_claim_is_configurable() {
    let ed = ed_key("ed-1");
    let jwks = Jwks::serve(&[&ed]).await;
    for db in common::databases().await {
        let site = site(
            &db.store,
            &settings(
                &jwks,
                &[("davgate.tokens.loginClaim", "preferred_username")],
            ),
        )
        .await;
        let mut claims = claims("alice@example.com");
        claims["preferred_username"] = json!("bob");
        let answer = with_token(&site, &sign(&ed, &claims)).await;
        assert_eq!(
            principal_of(&answer),
            format!("/dav/principals/users/{}/", site.bob.id),
            "{}",
            db.label
        );
        // A token without the claim names nobody.
        let answer = with_token(&site, &sign(&ed, &self::claims("alice@example.com"))).await;
        assert_invalid_token(&answer, db.label);
        db.drop_database().await;
    }
}

#[tokio::test]
async fn forged_stale_and_foreign_tokens_are_refused() {
    let (rsa, ec) = (rsa_key("rsa-1"), ec_key("ec-1"));
    let jwks = Jwks::serve(&[&rsa, &ec]).await;
    let stranger = ed_key("ed-1");
    for db in common::databases().await {
        let site = site(&db.store, &settings(&jwks, &[])).await;
        let label = db.label;
        let with = |change: &dyn Fn(&mut Value)| {
            let mut c = claims("alice@example.com");
            change(&mut c);
            c
        };
        let mut cases: Vec<(&str, String)> = vec![
            (
                "expired beyond the leeway",
                sign(&rsa, &with(&|c| c["exp"] = json!(now() - 120))),
            ),
            (
                "not valid before tomorrow",
                sign(&rsa, &with(&|c| c["nbf"] = json!(now() + 86_400))),
            ),
            (
                "no exp",
                sign(
                    &rsa,
                    &with(&|c| {
                        c.as_object_mut().unwrap().remove("exp");
                    }),
                ),
            ),
            (
                "another issuer",
                sign(&rsa, &with(&|c| c["iss"] = json!("https://evil.example/"))),
            ),
            (
                "no issuer",
                sign(
                    &rsa,
                    &with(&|c| {
                        c.as_object_mut().unwrap().remove("iss");
                    }),
                ),
            ),
            (
                "another audience",
                sign(&ec, &with(&|c| c["aud"] = json!("mail"))),
            ),
            (
                "no audience",
                sign(
                    &ec,
                    &with(&|c| {
                        c.as_object_mut().unwrap().remove("aud");
                    }),
                ),
            ),
            (
                "an unknown user",
                sign(&ec, &with(&|c| c["email"] = json!("nobody@example.com"))),
            ),
            (
                "a key not in the set",
                sign(&stranger, &claims("alice@example.com")),
            ),
            (
                "another secret",
                sign_hs256(
                    b"another secret of more than thirty-two bytes",
                    None,
                    &claims("alice@example.com"),
                ),
            ),
            ("garbage", "abc.def.ghi".into()),
            ("no JWT", "not-a-token".into()),
            (
                "too long",
                format!(
                    "{}.{}.sig",
                    b64(br#"{"alg":"RS256"}"#),
                    "A".repeat(9 * 1024)
                ),
            ),
        ];
        // A key id the set lacks.
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("ec-2".into());
        cases.push((
            "an unknown kid",
            encode(&header, &claims("alice@example.com"), &ec.encoding).unwrap(),
        ));
        // Algorithm confusion: HS256 with the RSA public key (as PEM-less DER or JWK
        // parameters) as the secret, under the RSA key's id.
        let n = rsa.jwk["n"].as_str().unwrap().as_bytes().to_vec();
        cases.push((
            "HS256 with the public key",
            sign_hs256(&n, Some("rsa-1"), &claims("alice@example.com")),
        ));
        // The RSA key's id on a token signed by the EC key, claiming ES256.
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("rsa-1".into());
        cases.push((
            "ES256 under an RSA key's id",
            encode(&header, &claims("alice@example.com"), &ec.encoding).unwrap(),
        ));
        // alg none: a valid payload without a signature.
        let payload = b64(claims("alice@example.com").to_string().as_bytes());
        for alg in ["none", "None", "HS512"] {
            let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
            cases.push(("an unsigned token", format!("{header}.{payload}.")));
        }
        for (what, token) in &cases {
            assert_invalid_token(&with_token(&site, token).await, &format!("{label}: {what}"));
        }
        // A disabled user's token.
        let token = sign(&rsa, &claims("alice@example.com"));
        assert_eq!(
            with_token(&site, &token).await.status,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        let update = |enabled| UserUpdate {
            enabled: Some(enabled),
            ..UserUpdate::default()
        };
        site.store
            .update_user(site.alice.context_id, site.alice.id, update(false))
            .await
            .unwrap();
        assert_invalid_token(
            &with_token(&site, &token).await,
            &format!("{label}: disabled"),
        );
        site.store
            .update_user(site.alice.context_id, site.alice.id, update(true))
            .await
            .unwrap();
        db.drop_database().await;
    }
}

#[tokio::test]
async fn a_401_offers_bearer_only_when_tokens_are_configured() {
    let jwks = Jwks::serve(&[&ed_key("ed-1")]).await;
    for db in common::databases().await {
        let with_tokens = site(&db.store, &settings(&jwks, &[])).await;
        let answer = send(&with_tokens.app, Call::new("PROPFIND", "/dav/").depth("0")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        let offered = challenges(&answer);
        assert!(
            offered.iter().any(|c| c.starts_with("Basic")),
            "{offered:?}"
        );
        assert!(
            offered.iter().any(|c| c == "Bearer realm=\"davgate\""),
            "{offered:?}"
        );
        db.drop_database().await;
    }
    for db in common::databases().await {
        let without = site(&db.store, LAYOUT).await;
        let answer = send(&without.app, Call::new("PROPFIND", "/dav/").depth("0")).await;
        assert_eq!(challenges(&answer).len(), 1, "{:?}", challenges(&answer));
        // A bearer token where none are configured is no credential.
        let token = sign_hs256(HMAC_SECRET.as_bytes(), None, &claims("alice@example.com"));
        let answer = with_token(&without, &token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(challenges(&answer)[0].starts_with("Basic"));
        db.drop_database().await;
    }
}

#[tokio::test]
async fn unknown_key_ids_refetch_the_keys_at_most_once_a_while() {
    let first = ec_key("ec-1");
    let jwks = Jwks::serve(&[&first]).await;
    let db = common::sqlite().await;
    let slow = site(&db.store, &settings(&jwks, &[])).await;
    let site = &slow;
    assert_eq!(
        with_token(site, &sign(&first, &claims("alice@example.com")))
            .await
            .status,
        StatusCode::MULTI_STATUS
    );
    assert_eq!(jwks.fetches(), 1);
    // Made-up key ids: at most one fetch for all of them within a minute.
    for n in 0..25 {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(format!("random-{n}"));
        let token = encode(&header, &claims("alice@example.com"), &first.encoding).unwrap();
        assert_invalid_token(&with_token(site, &token).await, "made-up kid");
    }
    assert!(jwks.fetches() <= 2, "fetched {} times", jwks.fetches());

    // A rotation: the issuer adds a key; with a short refetch interval it is found.
    let db2 = common::sqlite().await;
    let quick = common::http::site(
        &db2.store,
        &settings(&jwks, &[("davgate.tokens.jwksMinRefetchSeconds", "1")]),
    )
    .await;
    assert_eq!(
        with_token(&quick, &sign(&first, &claims("alice@example.com")))
            .await
            .status,
        StatusCode::MULTI_STATUS
    );
    let second = ec_key("ec-2");
    jwks.add(&second);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = with_token(&quick, &sign(&second, &claims("alice@example.com"))).await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "the new key was fetched"
    );
}

#[tokio::test]
async fn keys_from_a_file_and_tokens_switched_off_per_context() {
    let ed = ed_key("ed-1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, json!({"keys": [ed.jwk.clone()]}).to_string()).unwrap();
    for db in common::databases().await {
        let mut config: Vec<(&str, &str)> = LAYOUT.to_vec();
        config.push(("davgate.tokens.jwksFile", file.to_str().unwrap()));
        let site = site(&db.store, &config).await;
        let label = db.label;
        let token = sign(&ed, &claims("bob@example.com"));
        assert_eq!(
            with_token(&site, &token).await.status,
            StatusCode::MULTI_STATUS,
            "{label}"
        );
        site.store
            .set_attribute(
                site.bob.context_id,
                None,
                &Attribute::config("davgate.login.tokens", "false", false),
            )
            .await
            .unwrap();
        assert_invalid_token(
            &with_token(&site, &token).await,
            &format!("{label}: tokens off"),
        );
        let call = Call::new("PROPFIND", "/dav/")
            .auth("bob", BOB_PASSWORD)
            .depth("0");
        assert_eq!(
            send(&site.app, call).await.status,
            StatusCode::MULTI_STATUS,
            "{label}: passwords on"
        );
        db.drop_database().await;
    }
}

#[tokio::test]
async fn an_unreachable_key_source_answers_503_and_spares_other_logins() {
    // A port nothing listens on: the JWKS cannot be fetched.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", closed.local_addr().unwrap());
    drop(closed);
    let ec = ec_key("ec-1");
    let db = common::sqlite().await;
    let mut config: Vec<(&str, &str)> = LAYOUT.to_vec();
    config.extend([
        ("davgate.tokens.jwksUrl", url.as_str()),
        ("davgate.tokens.hmacSecret", HMAC_SECRET),
    ]);
    let site = site(&db.store, &config).await;
    let answer = with_token(&site, &sign(&ec, &claims("alice@example.com"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.header("retry-after").is_some());
    // The HS256 secret and passwords do not depend on the key source.
    let token = sign_hs256(HMAC_SECRET.as_bytes(), None, &claims("alice@example.com"));
    assert_eq!(
        with_token(&site, &token).await.status,
        StatusCode::MULTI_STATUS
    );
    let call = Call::new("PROPFIND", "/dav/")
        .auth("alice", ALICE_PASSWORD)
        .depth("0");
    assert_eq!(send(&site.app, call).await.status, StatusCode::MULTI_STATUS);
}
