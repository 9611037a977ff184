//! The `davgate` command line: serve, migrate, provisioning like an OX administrator
//! (contexts, users, groups, resources, folders, config attributes), config explain, the
//! RFC 6764 DNS records with a client's discovery walk to check them, and a test message
//! through the iMIP mail relay.

mod admin;
mod app_passwords;
mod config_attributes;
mod database_wait;
mod discovery;
mod folders;
mod imip;
mod push;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::ServerConfig;

#[derive(Debug, Parser)]
#[command(
    name = "davgate",
    version,
    about = "CalDAV/CardDAV gateway for groupware folders"
)]
pub struct Cli {
    /// Directory with *.properties, *.yml and contextSets/ [default: ./config, or the
    /// built-in defaults when there is no ./config].
    #[arg(long, global = true, env = "DAVGATE_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,
    /// Directory for the embedded SQLite store (overrides davgate.dataDir).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the DAV server.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Contexts (tenants): create, list, delete, login mappings, tags.
    #[command(subcommand)]
    Context(admin::ContextCommand),
    /// Users of a context.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Groups of a context.
    #[command(subcommand)]
    Group(admin::GroupCommand),
    /// Resources (rooms, equipment) of a context.
    #[command(subcommand)]
    Resource(admin::ResourceCommand),
    /// Folders: create, rename, share, unshare, delete, list.
    #[command(subcommand)]
    Folder(folders::FolderCommand),
    /// Config attributes on contexts and users, and where a value comes from.
    #[command(subcommand)]
    Config(config_attributes::ConfigCommand),
    /// Print the DNS SRV/TXT records (RFC 6764) that let clients find the DAV root.
    DnsRecords(discovery::DnsRecordsArgs),
    /// Walk CalDAV/CardDAV discovery for an address as a client does, and diagnose it.
    Discover(discovery::DiscoverArgs),
    /// The mail relay for attendees outside the context (iMIP): send a test message.
    #[command(subcommand)]
    Imip(imip::ImipCommand),
    /// WebDAV-Push: make a VAPID key for davgate.push.vapidPrivateKey.
    #[command(subcommand)]
    Push(push::PushCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides davgate.listen; default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Create the demo context (example.com, users alice and bob) if it is missing.
    #[arg(long)]
    pub demo: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("davgate: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("davgate: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // A client-side check: it needs no server configuration.
    let cli = match cli.command {
        Command::Discover(args) => return discovery::discover(args).await,
        command => Cli { command, ..cli },
    };
    let mut flags: Vec<(&str, String)> = Vec::new();
    if let Some(dir) = &cli.data_dir {
        flags.push(("davgate.dataDir", dir.display().to_string()));
    }
    if let Command::Serve(ServeArgs {
        listen: Some(listen),
        ..
    }) = &cli.command
    {
        flags.push(("davgate.listen", listen.clone()));
    }
    let flags: Vec<(&str, &str)> = flags.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (config_dir, implicit) = match &cli.config_dir {
        Some(dir) => (dir.clone(), false),
        None => (PathBuf::from("./config"), true),
    };
    if implicit && !config_dir.exists() {
        eprintln!("davgate: no ./config directory; using the built-in defaults");
    }
    let config = ServerConfig::load_with_flags(&config_dir, &flags, implicit)?;
    match cli.command {
        Command::Serve(args) => serve::serve(config, args.demo).await,
        Command::Migrate => {
            let store = serve::open_store(&config).await?;
            println!("migrations applied ({:?} store)", store.backend());
            Ok(())
        }
        Command::Context(cmd) => admin::context(&config, cmd).await,
        Command::User(cmd) => admin::user(&config, cmd).await,
        Command::Group(cmd) => admin::group(&config, cmd).await,
        Command::Resource(cmd) => admin::resource(&config, cmd).await,
        Command::Folder(cmd) => folders::folder(&config, cmd).await,
        Command::Config(cmd) => config_attributes::config(&config, cmd).await,
        Command::DnsRecords(args) => discovery::dns_records(&config, args),
        Command::Imip(cmd) => imip::imip(&config, cmd).await,
        Command::Push(cmd) => push::push(cmd),
        Command::Discover(_) => unreachable!("discover runs before the configuration is read"),
    }
}
