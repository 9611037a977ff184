//! `davgate push keygen`: a new VAPID key for `davgate.push.vapidPrivateKey`, and the
//! public key clients will be shown.

use clap::Subcommand;

use crate::push::vapid::VapidKey;

#[derive(Debug, Subcommand)]
pub enum PushCommand {
    /// Print a new VAPID private key (base64url P-256 scalar) and its public key.
    Keygen,
}

pub fn push(cmd: PushCommand) -> anyhow::Result<()> {
    match cmd {
        PushCommand::Keygen => {
            let (key, private) = VapidKey::generate();
            println!("davgate.push.vapidPrivateKey={private}");
            println!("# public key (advertised to clients): {}", key.public_key());
            Ok(())
        }
    }
}
