//! `walletpush-sandbox`: one binary, three loopback listeners (docs/wire.md, "Origins"):
//!
//! - host (`:8080`): the demo issuer portals ([`host`]);
//! - widget (`:8081`): walletpush-server (the widget's files and the issuer API) with the demo
//!   card source ([`demo_cards`]) and the cards' art ([`art`]);
//! - wallet (`:8082`): a `walletpush/1` wallet ([`wallet`]);
//! - adapters (`:8083`): walletpush-server's adapter origin, where Google's and Apple's scripts
//!   run in the frame the widget nests.
//!
//! State lives in one SQLite file ([`db`]), keys too ([`keys`]). Start-up: open the store,
//! bind the three ports, prepare the state ([`app`]), print the labelled URLs and `ready`, serve.
//! Test hooks and faults ([`hooks`], [`faults`]) exist only in this crate, never in the server.
#![forbid(unsafe_code)]

mod app;
mod art;
mod assets;
mod config;
mod csp;
mod db;
mod demo_cards;
mod faults;
mod hooks;
mod host;
mod html;
mod keys;
mod listeners;
mod seed;
mod wallet;

#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod portal_tests;

use std::error::Error;
use std::future::IntoFuture;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tokio::net::TcpListener;

use crate::app::App;
use crate::config::{Config, Origins};

fn main() -> ExitCode {
    let config = Config::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e),
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e.as_ref()),
    }
}

fn fail(e: &dyn Error) -> ExitCode {
    eprintln!("walletpush-sandbox: {e}");
    ExitCode::FAILURE
}

async fn run(config: Config) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = db::open(&config.data_dir.join(db::FILE_NAME))?;

    // Bind first: with port 0 the origins are only known once the ports are.
    let host = TcpListener::bind((config.bind, config.host_port)).await?;
    let widget = TcpListener::bind((config.bind, config.widget_port)).await?;
    let wallet = TcpListener::bind((config.bind, config.wallet_port)).await?;
    let adapter = TcpListener::bind((config.bind, config.adapter_port)).await?;
    let origins = Origins::new(
        config.names(),
        host.local_addr()?.port(),
        widget.local_addr()?.port(),
        wallet.local_addr()?.port(),
    )?
    .with_extra_hosts(&config.host_origins)?
    .with_adapters(
        config.names(),
        &config.adapters_name,
        adapter.local_addr()?.port(),
    )?;
    let adapters = config.adapters();
    let rate_limits = config.rate_limits();
    let developer_keys = config.developer_keys()?;
    let app = Arc::new(
        App::new(
            db,
            origins,
            config.www_dir,
            config.test_hooks,
            adapters,
            config.pin_wallet_document,
            rate_limits,
        )?
        .with_developer_keys(developer_keys)?,
    );
    tokio::spawn(walletpush_server::store::purge_periodically(
        Arc::clone(&app.server.store),
        std::time::Duration::from_secs(600),
    ));
    let host_router = listeners::host(&app);
    let widget_router = listeners::widget(&app);
    let wallet_router = listeners::wallet(&app);
    let adapter_router = listeners::adapters(&app)?;
    announce(&app.origins)?;

    tokio::select! {
        served = async {
            tokio::try_join!(
                axum::serve(host, host_router).into_future(),
                // The client's address goes into the server's audit records.
                axum::serve(
                    widget,
                    widget_router.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .into_future(),
                axum::serve(wallet, wallet_router).into_future(),
                axum::serve(adapter, adapter_router).into_future(),
            )
        } => { served?; }
        // Every answered request is committed already, so stopping needs nothing but
        // closing the store, which dropping it does.
        () = walletpush_server::serve::shutdown_signal() => {}
    }
    Ok(())
}

/// The start-up contract with scripts: each origin on a line of its own after its label
/// (`host http://bank.localhost:8080`), then `ready`, once every port accepts connections.
fn announce(origins: &Origins) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "host {}", origins.host)?;
    writeln!(out, "widget {}", origins.widget)?;
    writeln!(out, "wallet {}", origins.wallet)?;
    if let Some(adapters) = &origins.adapters {
        writeln!(out, "adapters {adapters}")?;
    }
    writeln!(out, "ready")?;
    out.flush()
}
