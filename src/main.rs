// The root Query merges many objects (async-graphql's MergedObject nests
// them as pairs); the layout of its resolver's future is deeper than the
// default query depth allows in release builds.
#![recursion_limit = "256"]

use rights_graph::config::{Cli, Command};
use rights_graph::{Application, cli, db, graphql, telemetry};

// A request allocates many small, short-lived values (GraphQL values, rows,
// JSON); mimalloc serves them faster than the system allocator (the service
// benchmark spends a quarter of its time in glibc's malloc without it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = match Cli::load(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("rights-graph: {error:#}");
            std::process::exit(1);
        }
    };
    match args.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => {
            println!("The configuration is valid.\n{}", args.settings.describe());
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
        }
        Command::Migrate => {
            telemetry::init(args.settings.log_format);
            let (db, _) = db::connect(&args.settings).await?;
            rights_graph::app::migrate(&db).await?;
            rights_graph::app::file_derived(&db).await?;
            tracing::info!("database migrated");
        }
        Command::Org(command) => {
            telemetry::init(args.settings.log_format);
            cli::organisation(&args.settings, command).await?;
        }
        Command::Key(command) => {
            telemetry::init(args.settings.log_format);
            cli::key(&args.settings, command).await?;
        }
        Command::Import(command) => {
            telemetry::init(args.settings.log_format);
            let ok = cli::import(&args.settings, command).await?;
            if !ok {
                std::process::exit(1);
            }
        }
        Command::Seed(command) => {
            telemetry::init(args.settings.log_format);
            cli::seed(&args.settings, command).await?;
        }
        Command::Export(command) => {
            telemetry::init(args.settings.log_format);
            cli::export(&args.settings, command).await?;
        }
        Command::Serve => {
            let _telemetry = telemetry::init_with_tracing(&args.settings)?;
            let application = Application::build(&args.settings).await?;
            application.run_until_stopped().await?;
        }
    }
    Ok(())
}
