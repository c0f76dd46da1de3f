package dev.usageledger.cli.dev;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.usageledger.infra.embedded.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium through its chromedriver) against
 * {@code ledger dev}'s stack after a run of its sample traffic: it signs in, opens every page and
 * finds on it exactly what the API answers for the same scope, period and zone; a tenant's token
 * sees its own tenant only. It saves a screenshot of each page under {@code target/dashboard} and
 * prints the first page's size and first-render time.
 */
class DashboardIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "dashboard");
    private static final String ZONE = "Asia/Kolkata"; // a half-hour zone: its days are not UTC days
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldShowOnEveryPageWhatTheApiAnswersAndKeepATenantToItsOwn() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("the dashboard test needs Debian's chromium and chromium-driver (%s, %s); .ci/run installs them, "
                        + "or run: apt-get install chromium chromium-driver", CHROMIUM, CHROMEDRIVER)
                .isTrue();
        // Given the dev stack after a run of sample traffic, with a budget small enough to be crossed
        try (DevProcess traffic = DevProcess.start(data, "--traffic", "50")) {
            String[] ready = traffic.awaitReady();
            String api = ready[0];
            String admin = ready[1];
            assertThat(send("PUT", api + "/v1/policies/acme-watch", admin, """
                    {"tenant_id": "acme", "name": "Watch", "subject": {"type": "tenant", "id": "acme"}, "metric": "cost_micros",
                     "limit": 2000, "period": {"kind": "month", "time_zone": "UTC"}, "thresholds": [50, 100], "enforce": false}""")
                    .statusCode()).isEqualTo(200);
            Await.until(() -> events(api, admin) >= 150 && crossings(api, admin) >= 2, Duration.ofSeconds(90),
                    "150 events of sample traffic and the watch budget's crossings");
            traffic.stop();
        }
        // the same stack again without traffic, so the figures hold still while the page and the API are compared
        try (DevProcess stack = DevProcess.start(data, "--no-samples")) {
            String[] ready = stack.awaitReady();
            String api = ready[0];
            String admin = ready[1];
            URI dashboard = stack.awaitDashboard();
            assertThat(dashboard).isEqualTo(URI.create(api + "/ui"));
            HttpResponse<String> hold = send("POST", api + "/v1/holds", admin, """
                    {"tenant_id": "acme", "user_id": "acme-u01", "hold_id": "dashboard-hold", "ttl_ms": 600000,
                     "estimate": {"cost_micros": 1234}}""");
            assertThat(hold.statusCode()).as(hold.body()).isEqualTo(201);
            // one call more after the restart, so the answers' as_of names an event applied by this run
            HttpResponse<String> call = send("POST", api + "/v1/events", tenantToken("acme"), """
                    [{"event_id": "dashboard-call", "user_id": "acme-u02", "provider": "openai", "model": "gpt-4.1-mini",
                      "input_tokens": 1000, "output_tokens": 200}]""");
            assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
            long offset = JSON.readTree(call.body()).get("results").get(0).get("offset").asLong();
            get(api, admin, "/v1/tenants/acme/usage?period=month&min_offset=" + offset);
            // and a record no reader could decode, straight onto the usage topic: the ledger rejects it with its reason
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ready[2]),
                    new StringSerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>("ledger.usage.v1", "acme", "not avro".getBytes(StandardCharsets.UTF_8))).get();
            }
            Await.until(() -> rejectedTotal(api, admin) == 1, WAIT, "the undecodable record to be counted as rejected");
            Files.createDirectories(SHOTS);

            ChromeDriver browser = chromium();
            try {
                // When an admin signs in and picks acme
                browser.get(dashboard.toString());
                printFirstPageFigures(browser);
                script(browser, "sessionStorage.setItem('ledger.tz', arguments[0])", ZONE);
                browser.navigate().refresh();
                await(browser, "sign-in");
                screenshot(browser, "sign-in");
                browser.findElement(By.id("token")).sendKeys(admin);
                browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
                new WebDriverWait(browser, WAIT).until(b -> b.findElement(By.id("tenant")).isDisplayed());
                browser.findElement(By.id("tenant")).sendKeys("acme");
                browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();

                // Then every page shows what the API answers
                await(browser, "spend");
                assertThat(testid(browser, "signed-in-as").getText()).isEqualTo("acme");
                shouldShowSpend(browser, api, admin);
                screenshot(browser, "spend");
                shouldShowBudgets(browser, api, admin);
                shouldShowBreaches(browser, api, admin);
                shouldShowHolds(browser, api, admin);
                shouldShowHealth(browser, api, admin);
                shouldFitANarrowScreen(browser);
            } finally {
                browser.quit();
            }

            // And a tenant's token sees its own tenant only, whatever the tab's storage is made to say
            String acmeToken = tenantToken("acme");
            ChromeDriver tenantBrowser = chromium();
            try {
                tenantBrowser.get(dashboard.toString());
                await(tenantBrowser, "sign-in");
                tenantBrowser.findElement(By.id("token")).sendKeys(acmeToken);
                tenantBrowser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
                await(tenantBrowser, "spend");
                assertThat(testid(tenantBrowser, "signed-in-as").getText()).isEqualTo("acme");

                script(tenantBrowser, "sessionStorage.setItem('ledger.tenant', 'globex')");
                tenantBrowser.navigate().refresh();
                await(tenantBrowser, "spend");
                WebElement error = testid(tenantBrowser, "error");
                assertThat(error.getAttribute("data-status")).isEqualTo("403");
                assertThat(error.getText()).contains("globex");
                assertThat(tenantBrowser.findElements(By.cssSelector("[data-testid=spend-total][data-micros]")))
                        .as("no figure of another tenant").isEmpty();
                screenshot(tenantBrowser, "foreign-tenant-refused");
            } finally {
                tenantBrowser.quit();
            }
            stack.stop();
        }
    }

    private void shouldShowSpend(ChromeDriver browser, String api, String token) throws Exception {
        JsonNode month = get(api, token, "/v1/tenants/acme/usage?period=month&time_zone=" + ZONE);
        assertThat(micros(testid(browser, "spend-total"))).isEqualTo(month.get("cost_micros").asLong()).isPositive();
        JsonNode days = get(api, token, "/v1/tenants/acme/trends?interval=day&time_zone=" + ZONE + "&from="
                + month.get("period_start").asText() + "&to=" + month.get("period_end").asText());
        int shown = 0;
        for (JsonNode day : days.get("rows")) {
            String date = Instant.parse(day.get("period_start").asText()).atZone(ZoneId.of(ZONE)).toLocalDate().toString();
            assertThat(micros(testid(browser, "spend-day-" + date))).as("cost on %s", date).isEqualTo(day.get("cost_micros").asLong());
            shown++;
        }
        assertThat(shown).as("every day of the month so far").isEqualTo(days.get("rows").size()).isPositive();
        JsonNode today = get(api, token, "/v1/tenants/acme/usage?period=day&time_zone=" + ZONE);
        assertThat(micros(testid(browser, "spend-today"))).isEqualTo(today.get("cost_micros").asLong());
        JsonNode byModel = get(api, token, "/v1/tenants/acme/breakdown?by=model&period=month&time_zone=" + ZONE);
        assertThat(byModel.get("rows")).isNotEmpty();
        for (JsonNode row : byModel.get("rows")) {
            assertThat(micros(testid(browser, "breakdown-row-" + row.get("model").asText()))).as("model %s", row.get("model"))
                    .isEqualTo(row.get("cost_micros").asLong());
        }
        assertThat(browser.findElements(By.cssSelector("[data-testid^=breakdown-row-]"))).hasSize(byModel.get("rows").size());
    }

    private void shouldShowBudgets(ChromeDriver browser, String api, String token) throws Exception {
        goTo(browser, "budgets");
        JsonNode status = get(api, token, "/v1/tenants/acme/status");
        assertThat(status.get("budgets")).as("the sample month budget and the watch budget").hasSizeGreaterThanOrEqualTo(2);
        for (JsonNode budget : status.get("budgets")) {
            String id = budget.get("policy_id").asText();
            for (String figure : List.of("used", "held", "limit", "remaining")) {
                JsonNode expected = budget.get(figure);
                WebElement shown = testid(browser, "budget-" + id + "-" + figure);
                if (expected == null || expected.isNull()) {
                    assertThat(shown.getAttribute("data-micros")).as("%s of %s: none", figure, id).isNull();
                } else {
                    assertThat(micros(shown)).as("%s of %s", figure, id).isEqualTo(expected.asLong());
                }
            }
        }
        assertThat(micros(testid(browser, "budget-acme-month-cost-held"))).as("the hold, on the enforced month budget").isEqualTo(1234L);
        screenshot(browser, "budgets");
    }

    private void shouldShowBreaches(ChromeDriver browser, String api, String token) throws Exception {
        goTo(browser, "breaches");
        List<JsonNode> breaches = breaches(api, token);
        List<String> shown = new ArrayList<>();
        for (WebElement item : browser.findElements(By.cssSelector("[data-testid^=breach-]"))) {
            shown.add(item.getAttribute("data-policy-id"));
        }
        assertThat(shown).as("every crossing of the last 30 days, newest first")
                .containsExactlyElementsOf(breaches.reversed().stream().map(b -> b.get("policy_id").asText()).toList());
        assertThat(shown).contains("acme-watch");
        screenshot(browser, "breaches");
    }

    private void shouldShowHolds(ChromeDriver browser, String api, String token) throws Exception {
        goTo(browser, "holds");
        JsonNode open = get(api, token, "/v1/tenants/acme/holds?state=placed");
        assertThat(open.get("holds")).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("[data-testid^=hold-]"))).hasSize(1);
        assertThat(micros(testid(browser, "hold-dashboard-hold"))).isEqualTo(open.get("holds").get(0).get("estimate_cost_micros").asLong())
                .isEqualTo(1234L);
        screenshot(browser, "holds");
    }

    private void shouldShowHealth(ChromeDriver browser, String api, String token) throws Exception {
        goTo(browser, "health");
        JsonNode month = get(api, token, "/v1/tenants/acme/usage?period=month&time_zone=" + ZONE);
        assertThat(month.get("as_of").path("event_time").isTextual()).as("as_of of %s", month).isTrue();
        assertThat(testid(browser, "health-usage-as-of").getText()).isEqualTo(month.get("as_of").get("event_time").asText());
        JsonNode health = get(api, token, "/v1/tenants/acme/health?days=30");
        assertThat(testid(browser, "health-rejected-total").getAttribute("data-count")).isEqualTo(health.get("rejected").get("total").asText())
                .isEqualTo("1");
        assertThat(testid(browser, "health-rejected-wrong_magic_byte").getAttribute("data-count")).isEqualTo("1");
        assertThat(testid(browser, "health-enforcement-behind").getAttribute("data-records"))
                .isEqualTo(health.get("enforcement").get("behind_records").asText());
        screenshot(browser, "health");
    }

    /** 375 px wide: nothing runs off the side, and the pages are reached from the keyboard alone. */
    private void shouldFitANarrowScreen(ChromeDriver browser) throws Exception {
        browser.manage().window().setSize(new Dimension(375, 900));
        goTo(browser, "spend");
        long overflow = ((Number) script(browser, "return document.documentElement.scrollWidth - window.innerWidth")).longValue();
        assertThat(overflow).as("pixels past the right edge at 375 px").isLessThanOrEqualTo(0);
        screenshot(browser, "spend-narrow");
        script(browser, "document.activeElement.blur(); window.scrollTo(0, 0)");
        WebElement focused = null;
        for (int i = 0; i < 30; i++) {
            browser.switchTo().activeElement().sendKeys(Keys.TAB);
            focused = browser.switchTo().activeElement();
            if ("Budgets".equals(focused.getText())) {
                break;
            }
        }
        assertThat(focused.getText()).as("the Budgets link reached with Tab").isEqualTo("Budgets");
        focused.sendKeys(Keys.ENTER);
        await(browser, "budgets");
    }

    private static ChromeDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1400",
                "--disable-extensions", "--no-first-run", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** What the first page costs: bytes over the wire (the page, its script and styles) and the time to first paint. */
    private static void printFirstPageFigures(ChromeDriver browser) {
        new WebDriverWait(browser, WAIT).until(b -> "complete".equals(script(b, "return document.readyState")));
        @SuppressWarnings("unchecked")
        Map<String, Object> figures = (Map<String, Object>) script(browser, """
                const page = performance.getEntriesByType('navigation')[0];
                const files = performance.getEntriesByType('resource');
                const paint = performance.getEntriesByName('first-contentful-paint')[0];
                return {transferred: page.transferSize + files.reduce((sum, f) => sum + f.transferSize, 0),
                        decoded: page.decodedBodySize + files.reduce((sum, f) => sum + f.decodedBodySize, 0),
                        files: files.length + 1, firstPaintMs: paint ? paint.startTime : -1, loadedMs: page.loadEventEnd};""");
        System.out.printf("[dashboard] first page: %s files, %s bytes transferred (%s bytes of content), first contentful paint %s ms,"
                + " load event at %s ms%n", figures.get("files"), figures.get("transferred"), figures.get("decoded"),
                figures.get("firstPaintMs"), figures.get("loadedMs"));
        assertThat(((Number) figures.get("decoded")).longValue()).as("the page, script and styles").isPositive();
    }

    private static void goTo(ChromeDriver browser, String page) {
        browser.findElement(By.cssSelector("#nav a[href='#" + page + "']")).click();
        await(browser, page);
    }

    /** Waits until the page is shown and all its requests answered. */
    private static void await(ChromeDriver browser, String page) {
        new WebDriverWait(browser, WAIT).until(b -> page.equals(script(b, "return document.body.dataset.page"))
                && "true".equals(script(b, "return document.body.dataset.loaded")));
    }

    private static Object script(org.openqa.selenium.WebDriver browser, String script, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(script, arguments);
    }

    private static WebElement testid(ChromeDriver browser, String id) {
        return browser.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    private static long micros(WebElement figure) {
        String micros = figure.getAttribute("data-micros");
        assertThat(micros).as("data-micros of %s", figure.getAttribute("data-testid")).isNotNull();
        return Long.parseLong(micros);
    }

    private static void screenshot(ChromeDriver browser, String name) throws IOException {
        Path shot = SHOTS.resolve(name + ".png");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("[dashboard] screenshot " + shot.toAbsolutePath());
    }

    private String tenantToken(String tenant) throws IOException {
        Properties tokens = new Properties();
        try (Reader reader = Files.newBufferedReader(data.resolve("tokens.properties"))) {
            tokens.load(reader);
        }
        return tokens.getProperty("tenant:" + tenant);
    }

    private List<JsonNode> breaches(String api, String token) throws Exception {
        Instant now = Instant.now();
        String span = "from=" + now.minus(Duration.ofDays(30)) + "&to=" + now.plus(Duration.ofDays(1));
        List<JsonNode> all = new ArrayList<>();
        get(api, token, "/v1/tenants/acme/breaches?limit=1000&" + span).get("breaches").forEach(all::add);
        return all;
    }

    private int crossings(String api, String token) {
        try {
            return breaches(api, token).size();
        } catch (Exception notYet) {
            return -1;
        }
    }

    private long rejectedTotal(String api, String token) {
        try {
            return get(api, token, "/v1/tenants/acme/health").get("rejected").get("total").asLong();
        } catch (Exception notYet) {
            return -1;
        }
    }

    private long events(String api, String token) {
        try {
            return get(api, token, "/v1/tenants/acme/usage?period=month").get("events").asLong();
        } catch (Exception notYet) {
            return -1;
        }
    }

    private JsonNode get(String api, String token, String pathAndQuery) throws Exception {
        HttpResponse<String> response = send("GET", api + pathAndQuery, token, null);
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String uri, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
                .timeout(WAIT).method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
