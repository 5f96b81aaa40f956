use anyhow::Context;
use clap::Parser;
use migration::MigratorTrait;
use rights_graph::config::{Cli, Command};
use rights_graph::{Application, db, graphql, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", graphql::sdl());
        }
        Command::Migrate => {
            telemetry::init(cli.settings.log_format);
            let (db, _) = db::connect(&cli.settings).await?;
            migration::Migrator::up(&db, None).await.context("could not migrate the database")?;
            tracing::info!("database migrated");
        }
        Command::Serve => {
            telemetry::init(cli.settings.log_format);
            let application = Application::build(&cli.settings).await?;
            application.run_until_stopped().await?;
        }
    }
    Ok(())
}
