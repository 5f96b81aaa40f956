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
        "goog:loggingPrefs": { "browser": "ALL" },
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

/// axe-core, vendored (assets/vendor/VERSIONS), injected into the pages checked.
const AXE: &str = include_str!("../assets/vendor/axe.min.js");

/// Runs axe-core on the page: the serious and critical violations, each as
/// "rule: how many elements (the first element)".
async fn accessibility_violations(browser: &Client) -> Vec<String> {
    browser.execute(AXE, vec![]).await.expect("axe-core injected");
    let found = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(results => done(results.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.id + ': ' + v.nodes.length + ' (' + v.nodes[0].html.slice(0, 120) + ')')));",
            vec![],
        )
        .await
        .expect("axe-core ran");
    serde_json::from_value(found).expect("a list of violations")
}

/// Every address the page and its scripts fetched that is not the server's own.
async fn external_requests(browser: &Client, origin: &str) -> Vec<String> {
    let found = browser
        .execute("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);", vec![])
        .await
        .expect("resource timings read");
    let addresses: Vec<String> = serde_json::from_value(found).expect("a list of addresses");
    addresses.into_iter().filter(|address| !address.starts_with(origin)).collect()
}

/// The browser console's errors since the last call (ChromeDriver's log endpoint).
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

async fn console_errors(browser: &Client) -> Vec<String> {
    let log = browser.issue_cmd(ConsoleLog).await.expect("the console log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The checks every page passes: no serious accessibility violation, no
/// request beyond the server, no console error.
async fn page_is_sound(browser: &Client, origin: &str, page: &str) {
    let violations = accessibility_violations(browser).await;
    assert!(violations.is_empty(), "{page}: serious or critical accessibility violations: {violations:#?}");
    let external = external_requests(browser, origin).await;
    assert!(external.is_empty(), "{page}: requests beyond the server: {external:?}");
    let errors = console_errors(browser).await;
    assert!(errors.is_empty(), "{page}: console errors: {errors:#?}");
    tell(&format!(
        "browser test: {page}: 0 serious or critical axe-core violations, no external request, no console error"
    ));
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
    let expected = app.data("{ statistics { defenders { total byCountry { key count } } restrictions(filter: { countryCodes: [\"US\"] }) { bySubdivision { label count } } } }").await;
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
    let origin = app.url("");
    page_is_sound(&browser, &origin, "the overview").await;

    // The map: one linked shape per country with defenders (of those the
    // boundaries hold), each with the API's figure; keyboard focus names it.
    let shapes: serde_json::Value =
        reqwest::get(app.url("/maps/world.json")).await.expect("the map").json().await.expect("map JSON");
    let drawn: Vec<&str> =
        shapes["shapes"].as_array().expect("shapes").iter().filter_map(|s| s["code"].as_str()).collect();
    let by_country = &expected["statistics"]["defenders"]["byCountry"];
    let mapped: Vec<(&str, i64)> = by_country
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| (b["key"].as_str().unwrap(), b["count"].as_i64().unwrap()))
        .filter(|(code, _)| drawn.contains(code))
        .collect();
    let links = browser.find_all(Locator::Css("#map-svg a[data-code]")).await.expect("map shapes");
    assert_eq!(links.len(), mapped.len(), "one linked shape per country with defenders: {mapped:?}");
    for (code, count) in &mapped {
        let link = browser.find(Locator::Css(&format!("#map-svg a[data-code='{code}']"))).await.expect("the shape");
        let label = link.attr("aria-label").await.expect("a label").unwrap_or_default();
        let noun = if *count == 1 { "defender" } else { "defenders" };
        assert!(label.ends_with(&format!(": {count} {noun}")), "{code}: {label}");
    }
    // Tab from the view's menu: the next stop is the first country on the
    // map (the restrictions menu is off), and the info line names it.
    browser.find(Locator::Css("#map-show")).await.expect("the menu").click().await.expect("menu focused");
    browser.find(Locator::Css("#map-show")).await.expect("the menu").send_keys("\u{E00C}").await.expect("menu closed");
    browser.active_element().await.expect("focus").send_keys("\u{E004}").await.expect("tabbed");
    let focused = browser.active_element().await.expect("focus");
    let code = focused.attr("data-code").await.expect("an attribute").expect("a map shape has the focus");
    let label = focused.attr("aria-label").await.expect("a label").unwrap_or_default();
    let info = wait_for_text(&browser, "#map-info", &label).await;
    assert!(info.contains(':'), "{info}");
    let map_shot = screenshot(&browser, &format!("{name}-map")).await;
    // Enter follows the focused country's link to its page.
    focused.send_keys("\u{E007}").await.expect("enter pressed");
    let country_name = label.split(':').next().unwrap_or_default().to_owned();
    wait_for_text(&browser, "h1", &country_name).await;
    assert!(browser.current_url().await.expect("a page").path().ends_with(&format!("/countries/{code}")));
    // Restrictions in the United States: one shape per state with restrictions.
    browser.goto(&app.url("/")).await.expect("overview loads");
    browser.wait().at_most(WAIT).for_element(Locator::Css("body[data-ready='true']")).await.expect("drawn");
    browser
        .find(Locator::Css("#map-show option[value='restrictions']"))
        .await
        .expect("option")
        .click()
        .await
        .expect("chosen");
    browser.wait().at_most(WAIT).for_element(Locator::Css("#map-where:not([disabled])")).await.expect("menu on");
    browser.find(Locator::Css("#map-where option[value='US']")).await.expect("option").click().await.expect("chosen");
    browser.wait().at_most(WAIT).for_element(Locator::Css("#map-svg a[data-code^='US-']")).await.expect("states drawn");
    let states_drawn = browser.find_all(Locator::Css("#map-svg a[data-code]")).await.expect("states");
    assert_eq!(states_drawn.len(), buckets_len(&expected), "one shape per state with restrictions");
    // A click lands at the middle of the shape's box: North Dakota's is on
    // the state (Florida's is in the Gulf of Mexico).
    browser
        .find(Locator::Css("#map-svg a[data-code='US-ND']"))
        .await
        .expect("North Dakota")
        .click()
        .await
        .expect("clicked");
    wait_for_text(&browser, "h1", "North Dakota").await;
    page_is_sound(&browser, &origin, "a subdivision page").await;
    browser.goto(&app.url("/")).await.expect("overview loads");
    browser.wait().at_most(WAIT).for_element(Locator::Css("body[data-ready='true']")).await.expect("charts drawn");

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
    let country_page = screenshot(&browser, &format!("{name}-country-page")).await;
    page_is_sound(&browser, &origin, "a country page").await;
    browser
        .find(Locator::Css("#content a[href^='/defenders/']"))
        .await
        .expect("a defender's link")
        .click()
        .await
        .expect("link followed");
    wait_for_text(&browser, "h1", "al-Qahtani").await;
    let page = screenshot(&browser, &format!("{name}-defender-page")).await;
    page_is_sound(&browser, &origin, "a record page").await;
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
    // The result window shows only the lines in view: the start of the
    // answer, which names the country only if the variables went with it.
    let result = wait_for_text(&browser, ".result-window", "Saudi Arabia").await;
    assert!(
        result.contains("\"place\"") && !result.contains("\"errors\""),
        "the page's query runs with its variables: {result}"
    );
    tell(&format!(
        "browser test ({engine:?}): screenshots {}, {}, {}, {} and {}",
        overview.display(),
        map_shot.display(),
        graphiql.display(),
        country_page.display(),
        page.display()
    ));
    browser.close().await.expect("browser closed");
    let _ = std::fs::remove_dir_all(profile);
}

fn buckets_len(expected: &serde_json::Value) -> usize {
    expected["statistics"]["restrictions"]["bySubdivision"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_graphiql_in_chromium_sqlite() {
    overview_and_graphiql(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_graphiql_in_chromium_postgres() {
    overview_and_graphiql(Engine::Postgres).await;
}
