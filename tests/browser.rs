//! A real browser against the real server: headless Chromium, driven through
//! ChromeDriver (Debian's `chromium` and `chromium-driver` packages), loads
//! the overview page, follows a chart's link into GraphiQL, runs the query
//! there and reads the answer off the screen. Screenshots are written to
//! `target/browser-test/`.
//!
//! Without Chromium the test cannot run: it fails, in one line saying what to
//! install. It never passes without having run.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Engine, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

/// Prints past the test harness's capture, so that a skipped browser test is
/// seen even when the test passes.
fn tell(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

fn program(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default))
}

/// ChromeDriver on a free port, stopped when dropped.
struct Driver {
    process: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port()
}

async fn start_driver(chromedriver: &PathBuf) -> Driver {
    let port = free_port();
    let process = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ChromeDriver starts");
    let driver = Driver { process, port };
    let started = Instant::now();
    while reqwest::get(format!("http://127.0.0.1:{port}/status")).await.is_err() {
        assert!(started.elapsed() < WAIT, "ChromeDriver did not answer on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

async fn open_browser(driver: &Driver, chromium: &PathBuf, profile: &std::path::Path) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            // As root in a container, without a GPU, and with nothing that
            // reaches for the network beyond the server under test.
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// Waits until the element's text contains `expected`; returns the text.
async fn wait_for_text(browser: &Client, css: &str, expected: &str) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < WAIT {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if text.contains(expected) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} never showed {expected:?}; last text: {last:?}");
}

async fn screenshot(browser: &Client, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("browser-test");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let path = dir.join(format!("{name}.png"));
    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(&path, png).expect("screenshot written");
    path
}

async fn overview_and_graphiql(engine: Engine) {
    let chromium = program("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = program("CHROMEDRIVER", "/usr/bin/chromedriver");
    assert!(
        chromium.exists() && chromedriver.exists(),
        "The browser test needs Chromium and ChromeDriver ({} or {} is missing): install Debian's `chromium` and \
         `chromium-driver` packages (apt-get install chromium chromium-driver), or point CHROMIUM and \
         CHROMEDRIVER at them.",
        chromium.display(),
        chromedriver.display()
    );
    let app = TestApp::spawn(engine).await;
    let expected = app.data("{ statistics { defenders { total } restrictions(filter: { countryCodes: [\"US\"] }) { bySubdivision { label count } } } }").await;
    let driver = start_driver(&chromedriver).await;
    let profile = std::env::temp_dir().join(format!("rights-graph-chromium-{}", uuid::Uuid::now_v7()));
    let browser = open_browser(&driver, &chromium, &profile).await;
    let name = format!("{engine:?}").to_lowercase();

    // The overview draws every chart from the API.
    browser.goto(&app.url("/")).await.expect("overview loads");
    browser.wait().at_most(WAIT).for_element(Locator::Css("body[data-ready='true']")).await.expect("charts drawn");
    let headline = wait_for_text(&browser, "#headline", "Defenders").await;
    let total = expected["statistics"]["defenders"]["total"].to_string();
    assert!(headline.lines().any(|line| line.trim() == total), "headline shows {total} defenders: {headline:?}");
    let states = wait_for_text(&browser, "#restrictions-by-state", "Florida").await;
    assert!(states.contains("North Dakota"), "{states}");
    let bars = browser.find_all(Locator::Css("#restrictions-by-state svg rect")).await.expect("bars");
    let buckets = expected["statistics"]["restrictions"]["bySubdivision"].as_array().expect("buckets");
    assert_eq!(bars.len(), buckets.len(), "one bar per state");
    assert!(browser.find(Locator::Css("#headline .error")).await.is_err(), "no chart failed");
    let overview = screenshot(&browser, &format!("{name}-overview")).await;

    // A chart's link opens its query in GraphiQL, which runs it.
    browser
        .find(Locator::Css("#restrictions-by-state a.query"))
        .await
        .expect("the chart's GraphiQL link")
        .click()
        .await
        .expect("link followed");
    browser.wait().at_most(WAIT).for_element(Locator::Css(".graphiql-container")).await.expect("GraphiQL starts");
    wait_for_text(&browser, ".graphiql-query-editor", "RestrictionsByUsState").await;
    browser
        .find(Locator::Css("button.graphiql-execute-button"))
        .await
        .expect("the run button")
        .click()
        .await
        .expect("query run");
    let result = wait_for_text(&browser, ".result-window", "Florida").await;
    assert!(result.contains("bySubdivision") && result.contains("North Dakota"), "{result}");
    let graphiql = screenshot(&browser, &format!("{name}-graphiql")).await;

    // GraphiQL opens with the example queries as tabs.
    browser.goto(&app.url("/graphiql")).await.expect("GraphiQL loads");
    let tabs = wait_for_text(&browser, ".graphiql-tabs", "ImprisonedDefenders").await;
    for example in ["DefendersByCountry", "RestrictionsByUsState", "Search", "FollowChanges"] {
        assert!(tabs.contains(example), "{example} tab missing: {tabs}");
    }

    // The subscription tab follows changes over a WebSocket: a public
    // defender created meanwhile appears in the result.
    browser
        .find(Locator::XPath("//button[contains(@class, 'graphiql-tab-button')][contains(., 'FollowChanges')]"))
        .await
        .expect("the subscription tab")
        .click()
        .await
        .expect("tab opened");
    wait_for_text(&browser, ".graphiql-query-editor", "subscription FollowChanges").await;
    // GraphiQL takes the tab's operation name a moment after showing its text.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let run = || async {
        browser
            .find(Locator::Css("button.graphiql-execute-button"))
            .await
            .expect("the run button")
            .click()
            .await
            .expect("subscription started");
    };
    run().await;
    let organisation = common::create_org(&app, "Browser partner");
    let key = common::create_key(&app, &organisation, "EDITOR");
    // The subscription opens asynchronously: write until it reports, a few times at most.
    let mut seen = String::new();
    for attempt in 0..5 {
        let name = format!("Subscribed Person {attempt}");
        let (_, body) = common::post_as(
            &app,
            Some(&key),
            "mutation ($name: String!) { createDefender(input: { name: $name, countryCode: \"PE\", visibility: PUBLIC, consent: GIVEN }) { defender { id } } }",
            json!({ "name": name }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        seen = browser.find(Locator::Css(".result-window")).await.expect("result").text().await.unwrap_or_default();
        if seen.contains("Subscribed Person") {
            break;
        }
        if seen.contains("Unknown operation") {
            // Run before GraphiQL took the tab's operation: run it again.
            run().await;
        }
    }
    assert!(
        seen.contains("Subscribed Person") && seen.contains("CREATED"),
        "the subscription shows the change: {seen}"
    );

    // The pages: a country's page lists its defenders, a defender's page
    // links back, and a page's query opens in GraphiQL with its variables.
    browser.goto(&app.url("/countries/SA")).await.expect("country page loads");
    wait_for_text(&browser, "h1", "Saudi Arabia").await;
    browser
        .find(Locator::Css("#content a[href^='/defenders/']"))
        .await
        .expect("a defender's link")
        .click()
        .await
        .expect("link followed");
    wait_for_text(&browser, "h1", "al-Qahtani").await;
    let page = screenshot(&browser, &format!("{name}-defender-page")).await;
    browser
        .find(Locator::Css("dl.facts a[href='/countries/SA']"))
        .await
        .expect("the country's link")
        .click()
        .await
        .expect("link followed");
    wait_for_text(&browser, "h1", "Saudi Arabia").await;
    browser.find(Locator::Css("p.graphql a")).await.expect("the GraphiQL link").click().await.expect("link followed");
    wait_for_text(&browser, ".graphiql-query-editor", "CountryPage").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    run().await;
    let result = wait_for_text(&browser, ".result-window", "Saudi Arabia").await;
    assert!(
        result.contains("byStatus") && !result.contains("errors"),
        "the page's query runs with its variables: {result}"
    );
    tell(&format!(
        "browser test ({engine:?}): screenshots {}, {} and {}",
        overview.display(),
        graphiql.display(),
        page.display()
    ));
    browser.close().await.expect("browser closed");
    let _ = std::fs::remove_dir_all(profile);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_graphiql_in_chromium_sqlite() {
    overview_and_graphiql(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_graphiql_in_chromium_postgres() {
    overview_and_graphiql(Engine::Postgres).await;
}
