package dev.usageledger.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The PostgreSQL ledger as budget tools usually build it, kept as a comparison peer for the benchmarks: a private
 * cluster owned by this object (initdb into a fresh directory, loopback only, PostgreSQL's durability defaults), one
 * {@code usage} row per event and one {@code counters} row per scope and UTC month, and every event applied in its own
 * READ COMMITTED transaction that dedupes on the event id and locks the counter rows it adds to.
 *
 * <p>{@link #counterCheck} and {@link #sumCheck} run on a pool of eight connections, as a service's would; the
 * other methods share one connection and are synchronized on this object.
 */
public final class PostgresPeer implements AutoCloseable {
    private static final String DB_USER = "postgres";
    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);
    private static final Duration PROCESS_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final long PROGRESS_SECONDS = 5;
    private static final int MAX_ATTEMPTS = 100;
    /** Connections serving checks, as a service's pool would hold. */
    private static final int READERS = 8;
    private static final int MAX_SOCKET_DIR_LENGTH = 90;
    private static final String INSTALL_ADVICE = "install the server (e.g. apt-get install postgresql) or run without the postgres peer";

    private final Cluster cluster;
    private final PrintWriter out;
    private final Connection checks;
    private final BlockingQueue<Reader> readers = new ArrayBlockingQueue<>(READERS);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread stopAtExit = Thread.ofPlatform().unstarted(this::close);

    /** One usage event as the peer stores it; {@code costMicros} is integer micro-units of money. */
    public record PeerEvent(String eventId, String tenant, String user, Instant occurredAt,
                            long costMicros, long inputTokens, long outputTokens) {
        /** Rejects missing identifiers and timestamps, which the schema declares NOT NULL. */
        public PeerEvent {
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(occurredAt, "occurredAt");
        }
    }

    private PostgresPeer(Cluster cluster, PrintWriter out) throws SQLException {
        this.cluster = cluster;
        this.out = out;
        this.checks = cluster.connect();
        for (int i = 0; i < READERS; i++) {
            readers.add(new Reader(cluster.connect()));
        }
    }

    /**
     * Starts a private PostgreSQL cluster in {@code workDir} (which this peer owns and deletes on {@link #close()}),
     * listening on 127.0.0.1 only, and creates the schema. When no server is installed or it does not start, prints
     * one line starting with {@code SKIPPED postgres peer:} saying why and what to do, and returns empty, so a
     * benchmark can carry on without the peer.
     */
    public static Optional<PostgresPeer> start(Path workDir, PrintWriter out) {
        Cluster cluster = null;
        try {
            Path bin = serverBinaries().orElseThrow(() -> new Skip("no PostgreSQL server binaries (initdb, pg_ctl, postgres)"
                    + " found via pg_config --bindir or /usr/lib/postgresql/<N>/bin; " + INSTALL_ADVICE));
            requireDriver();
            cluster = Cluster.prepare(bin, workDir.toAbsolutePath());
            progress(out, "  postgres: initdb in %s (server binaries %s%s)", cluster.dataDir, bin,
                    cluster.asPostgres ? ", run as user postgres because this process is root" : "");
            cluster.initdb();
            cluster.configure(freePort());
            cluster.start();
            PostgresPeer peer = new PostgresPeer(cluster, out);
            peer.createSchemaOrClose();
            Runtime.getRuntime().addShutdownHook(peer.stopAtExit);
            progress(out, "  postgres: started on 127.0.0.1:%d", cluster.port);
            return Optional.of(peer);
        } catch (Skip | IOException | SQLException | RuntimeException e) {
            if (cluster != null) {
                cluster.discard(out);
            }
            String reason = e instanceof Skip ? e.getMessage()
                    : e.getClass().getSimpleName() + ": " + e.getMessage() + "; fix that, or " + INSTALL_ADVICE;
            progress(out, "SKIPPED postgres peer: %s", oneLine(reason));
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (cluster != null) {
                cluster.discard(out);
            }
            progress(out, "SKIPPED postgres peer: interrupted while starting PostgreSQL");
            return Optional.empty();
        }
    }

    /**
     * Applies the events the way such ledgers do, one transaction per event from {@code threads} client threads (event
     * i on thread i % threads, each thread in order with its own connection), and returns events per second over the
     * whole run. Events whose id is already stored are skipped; serialization failures and deadlocks are retried.
     */
    public double ingest(List<PeerEvent> events, int threads, PrintWriter out) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        List<Writer> writers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                writers.add(new Writer(cluster.connect()));
            }
            return timedIngest(events, writers, out);
        } catch (SQLException e) {
            throw failure("opening ingest connections", e);
        } finally {
            writers.forEach(writer -> writer.closeQuietly(out));
        }
    }

    /**
     * Reads the tenant's and the user's counters for the UTC month of {@code at} (two budgets, as the ledger's check
     * reads) in one primary-key query, and answers the smaller remaining of the two against the given limits: the
     * read such ledgers do before letting a request through.
     */
    public long counterCheck(String tenant, String user, Instant at, long tenantLimit, long userLimit) {
        Reader reader = take();
        try {
            String tenantScope = tenantScope(tenant);
            String userScope = userScope(tenant, user);
            PreparedStatement read = reader.counterRead;
            read.setString(1, tenantScope);
            read.setString(2, userScope);
            read.setString(3, tenantScope);
            read.setString(4, userScope);
            read.setString(5, period(at));
            try (ResultSet row = read.executeQuery()) {
                row.next();
                return Math.min(tenantLimit - row.getLong(1), userLimit - row.getLong(2));
            }
        } catch (SQLException e) {
            throw failure("reading counters", e);
        } finally {
            readers.add(reader);
        }
    }


    /**
     * The same two budgets summed over the usage rows of the UTC month of {@code at} (the tenant's rows, the user's
     * among them): the check of ledgers that keep no counters. Its cost grows with the month's rows.
     */
    public long sumCheck(String tenant, String user, Instant at, long tenantLimit, long userLimit) {
        YearMonth month = YearMonth.from(at.atOffset(ZoneOffset.UTC));
        Reader reader = take();
        try {
            PreparedStatement sum = reader.monthSum;
            sum.setString(1, user);
            sum.setString(2, tenant);
            sum.setObject(3, month.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC));
            sum.setObject(4, month.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC));
            try (ResultSet row = sum.executeQuery()) {
                row.next();
                return Math.min(tenantLimit - row.getLong(1), userLimit - row.getLong(2));
            }
        } catch (SQLException e) {
            throw failure("summing usage", e);
        } finally {
            readers.add(reader);
        }
    }

    private Reader take() {
        try {
            return readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a check connection", e);
        }
    }

    /** One check connection and its prepared statements. */
    private static final class Reader {
        final Connection connection;
        final PreparedStatement counterRead;
        final PreparedStatement monthSum;

        Reader(Connection connection) throws SQLException {
            this.connection = connection;
            counterRead = connection.prepareStatement("SELECT coalesce(sum(cost_micros) FILTER (WHERE scope = ?), 0),"
                    + " coalesce(sum(cost_micros) FILTER (WHERE scope = ?), 0) FROM counters WHERE scope IN (?, ?) AND period = ?");
            monthSum = connection.prepareStatement("SELECT coalesce(sum(cost_micros), 0), coalesce(sum(cost_micros) FILTER"
                    + " (WHERE user_id = ?), 0) FROM usage WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ?");
        }
    }


    /**
     * Loads history in bulk (batched inserts, counters added per scope and month in one statement each): the rows and
     * counters a long-running peer would hold, without timing them. Events already stored are skipped.
     */
    public synchronized void loadHistory(List<PeerEvent> events) {
        Map<List<String>, Long> added = new HashMap<>();
        try (PreparedStatement insert = checks.prepareStatement("INSERT INTO usage (event_id, tenant_id, user_id, occurred_at,"
                + " cost_micros, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING");
             PreparedStatement counter = checks.prepareStatement("INSERT INTO counters (scope, period, cost_micros, events)"
                     + " VALUES (?, ?, ?, 1) ON CONFLICT (scope, period) DO UPDATE SET cost_micros = counters.cost_micros"
                     + " + excluded.cost_micros, events = counters.events + 1")) {
            checks.setAutoCommit(false);
            for (int i = 0; i < events.size(); i++) {
                PeerEvent event = events.get(i);
                insert.setString(1, event.eventId());
                insert.setString(2, event.tenant());
                insert.setString(3, event.user());
                insert.setObject(4, OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
                insert.setLong(5, event.costMicros());
                insert.setLong(6, event.inputTokens());
                insert.setLong(7, event.outputTokens());
                insert.addBatch();
                if (i % 5_000 == 4_999 || i == events.size() - 1) {
                    int[] inserted = insert.executeBatch();
                    for (int j = 0; j < inserted.length; j++) {
                        if (inserted[j] != 0) {
                            PeerEvent stored = events.get(i - inserted.length + 1 + j);
                            String period = period(stored.occurredAt());
                            added.merge(List.of(tenantScope(stored.tenant()), period), stored.costMicros(), Math::addExact);
                            added.merge(List.of(userScope(stored.tenant(), stored.user()), period), stored.costMicros(), Math::addExact);
                        }
                    }
                }
            }
            int pending = 0;
            for (Map.Entry<List<String>, Long> entry : added.entrySet()) {
                counter.setString(1, entry.getKey().get(0));
                counter.setString(2, entry.getKey().get(1));
                counter.setLong(3, entry.getValue());
                counter.addBatch();
                if (++pending % 5_000 == 0) {
                    counter.executeBatch();
                }
            }
            counter.executeBatch();
            checks.commit();
        } catch (SQLException e) {
            throw failure("loading history", e);
        } finally {
            try {
                checks.setAutoCommit(true);
            } catch (SQLException e) {
                progress(out, "  postgres: restoring autocommit failed: %s", oneLine(e.getMessage()));
            }
        }
    }

    /** Empties the usage rows and the counters, for a run that must start from nothing. */
    public synchronized void reset() {
        try (Statement statement = checks.createStatement()) {
            statement.execute("TRUNCATE usage, counters");
        } catch (SQLException e) {
            throw failure("emptying the tables", e);
        }
    }

    /** Returns the number of stored usage rows, i.e. of distinct events applied. */
    public synchronized long rows() {
        try (Statement statement = checks.createStatement(); ResultSet row = statement.executeQuery("SELECT count(*) FROM usage")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw failure("counting usage rows", e);
        }
    }

    /** Refreshes the planner statistics after a bulk load, as an operator would before serving checks. */
    public synchronized void analyze() {
        try (Statement statement = checks.createStatement()) {
            statement.execute("ANALYZE");
        } catch (SQLException e) {
            throw failure("analyzing", e);
        }
    }

    /**
     * Closes the connections, stops the cluster (fast shutdown) and deletes the work directory. Safe to call more
     * than once; problems are printed, never thrown.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            checks.close();
            for (Reader reader : readers) {
                reader.connection.close();
            }
        } catch (SQLException e) {
            progress(out, "  postgres: closing the check connections failed: %s", oneLine(e.getMessage()));
        }
        cluster.discard(out);
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException shuttingDown) {
            // Already running as the shutdown hook: nothing to remove.
        }
    }

    private void createSchemaOrClose() throws SQLException {
        try {
            createSchema();
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    private void createSchema() throws SQLException {
        try (Statement statement = checks.createStatement()) {
            statement.execute("CREATE TABLE usage (event_id text PRIMARY KEY, tenant_id text NOT NULL, user_id text NOT NULL,"
                    + " occurred_at timestamptz NOT NULL, cost_micros bigint NOT NULL, input_tokens bigint NOT NULL,"
                    + " output_tokens bigint NOT NULL)");
            statement.execute("CREATE INDEX usage_user_time ON usage (tenant_id, user_id, occurred_at)");
            statement.execute("CREATE TABLE counters (scope text, period text, cost_micros bigint NOT NULL,"
                    + " events bigint NOT NULL, PRIMARY KEY (scope, period))");
        }
    }

    private double timedIngest(List<PeerEvent> events, List<Writer> writers, PrintWriter out) {
        int threads = writers.size();
        Tally tally = new Tally();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Writer writer = writers.get(t);
            int first = t;
            workers.add(pool.submit(() -> {
                writer.applyEvery(events, first, threads, tally);
                return null;
            }));
        }
        pool.shutdown();
        awaitWithProgress(pool, tally, events.size(), out);
        long elapsed = System.nanoTime() - started;
        rethrowFailures(workers);
        double seconds = elapsed / 1e9;
        double rate = events.size() / seconds;
        progress(out, "  postgres ingest: %,d events in %.1f s (%,.0f events/s), %,d duplicates skipped, %,d retries",
                events.size(), seconds, rate, tally.duplicates.get(), tally.retries.get());
        return rate;
    }

    private static void awaitWithProgress(ExecutorService pool, Tally tally, int total, PrintWriter out) {
        try {
            while (!pool.awaitTermination(PROGRESS_SECONDS, TimeUnit.SECONDS)) {
                progress(out, "  postgres ingest: %,d/%,d events", tally.done.get(), total);
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the postgres ingest", e);
        }
    }

    private static void rethrowFailures(List<Future<?>> workers) {
        for (Future<?> worker : workers) {
            try {
                worker.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("postgres ingest failed: " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the postgres ingest", e);
            }
        }
    }

    private static String period(Instant at) {
        return PERIOD.format(at);
    }

    private static String tenantScope(String tenant) {
        return "tenant:" + tenant;
    }

    private static String userScope(String tenant, String user) {
        return "user:" + tenant + "/" + user;
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("postgres peer: " + what + " failed: " + e.getMessage(), e);
    }

    private static void progress(PrintWriter out, String format, Object... args) {
        out.printf(format + "%n", args);
        out.flush();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " | ");
    }

    private static void requireDriver() throws Skip {
        try {
            DriverManager.getDriver("jdbc:postgresql://127.0.0.1/postgres");
        } catch (SQLException e) {
            throw new Skip("the PostgreSQL JDBC driver is not on the class path; add org.postgresql:postgresql to the build");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /**
     * The server's bin directory: the one pg_config names if it holds the server (on Debian pg_config may come from
     * libpq-dev alone), else the highest version under the Debian layout /usr/lib/postgresql/N/bin.
     */
    private static Optional<Path> serverBinaries() {
        return pgConfigBindir().filter(PostgresPeer::holdsServer).or(PostgresPeer::highestDebianBindir);
    }

    private static Optional<Path> pgConfigBindir() {
        try {
            return Optional.of(Path.of(run(List.of("pg_config", "--bindir"), null).strip()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<Path> highestDebianBindir() {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(versions)) {
            return entries.filter(dir -> dir.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .max(Comparator.comparing(dir -> Runtime.Version.parse(dir.getFileName().toString())))
                    .map(dir -> dir.resolve("bin"))
                    .filter(PostgresPeer::holdsServer);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean holdsServer(Path bin) {
        return Stream.of("initdb", "pg_ctl", "postgres").allMatch(tool -> Files.isExecutable(bin.resolve(tool)));
    }

    /** Runs a command to completion and returns its combined output; a non-zero exit is an IOException with it. */
    private static String run(List<String> command, Path directory) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        if (!process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + PROCESS_TIMEOUT.toSeconds() + " s");
        }
        String text = output.join();
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + text.strip());
        }
        return text;
    }

    private static String readAll(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reason to skip the peer that already says what to do about it. */
    private static final class Skip extends Exception {
        private static final long serialVersionUID = 1L;

        Skip(String message) {
            super(message);
        }
    }

    /** Counts shared by the ingest threads. */
    private static final class Tally {
        final AtomicLong done = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicBoolean failed = new AtomicBoolean();
    }

    /** One ingest client: its own connection and prepared statements, one transaction per event. */
    private static final class Writer {
        private final Connection connection;
        private final PreparedStatement insertUsage;
        private final PreparedStatement ensureCounter;
        private final PreparedStatement lockCounter;
        private final PreparedStatement updateCounter;

        Writer(Connection connection) throws SQLException {
            this.connection = connection;
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            insertUsage = connection.prepareStatement("INSERT INTO usage (event_id, tenant_id, user_id, occurred_at,"
                    + " cost_micros, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING");
            ensureCounter = connection.prepareStatement(
                    "INSERT INTO counters (scope, period, cost_micros, events) VALUES (?, ?, 0, 0) ON CONFLICT DO NOTHING");
            lockCounter = connection.prepareStatement("SELECT cost_micros FROM counters WHERE scope = ? AND period = ? FOR UPDATE");
            updateCounter = connection.prepareStatement(
                    "UPDATE counters SET cost_micros = ?, events = events + 1 WHERE scope = ? AND period = ?");
        }

        void applyEvery(List<PeerEvent> events, int first, int step, Tally tally) throws SQLException {
            try {
                for (int i = first; i < events.size() && !tally.failed.get(); i += step) {
                    if (!applyWithRetries(events.get(i), tally)) {
                        tally.duplicates.incrementAndGet();
                    }
                    tally.done.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                tally.failed.set(true);
                throw e;
            }
        }

        /** Returns whether the event was new; retries the whole transaction on serialization failures and deadlocks. */
        private boolean applyWithRetries(PeerEvent event, Tally tally) throws SQLException {
            for (int attempt = 1; ; attempt++) {
                try {
                    return applyOnce(event);
                } catch (SQLException e) {
                    connection.rollback();
                    if (!retryable(e) || attempt == MAX_ATTEMPTS) {
                        throw e;
                    }
                    tally.retries.incrementAndGet();
                }
            }
        }

        private boolean applyOnce(PeerEvent event) throws SQLException {
            if (!insertUsage(event)) {
                connection.rollback();
                return false;
            }
            String period = period(event.occurredAt());
            String tenant = tenantScope(event.tenant());
            String user = userScope(event.tenant(), event.user());
            ensureCounter(tenant, period);
            ensureCounter(user, period);
            long tenantCost = lockCounter(tenant, period);
            long userCost = lockCounter(user, period);
            updateCounter(tenant, period, Math.addExact(tenantCost, event.costMicros()));
            updateCounter(user, period, Math.addExact(userCost, event.costMicros()));
            connection.commit();
            return true;
        }

        private boolean insertUsage(PeerEvent event) throws SQLException {
            insertUsage.setString(1, event.eventId());
            insertUsage.setString(2, event.tenant());
            insertUsage.setString(3, event.user());
            insertUsage.setObject(4, OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
            insertUsage.setLong(5, event.costMicros());
            insertUsage.setLong(6, event.inputTokens());
            insertUsage.setLong(7, event.outputTokens());
            return insertUsage.executeUpdate() == 1;
        }

        private void ensureCounter(String scope, String period) throws SQLException {
            ensureCounter.setString(1, scope);
            ensureCounter.setString(2, period);
            ensureCounter.executeUpdate();
        }

        private long lockCounter(String scope, String period) throws SQLException {
            lockCounter.setString(1, scope);
            lockCounter.setString(2, period);
            try (ResultSet row = lockCounter.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("counter row " + scope + " " + period + " is missing after it was ensured");
                }
                return row.getLong(1);
            }
        }

        private void updateCounter(String scope, String period, long costMicros) throws SQLException {
            updateCounter.setLong(1, costMicros);
            updateCounter.setString(2, scope);
            updateCounter.setString(3, period);
            updateCounter.executeUpdate();
        }

        private static boolean retryable(SQLException e) {
            return "40001".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
        }

        void closeQuietly(PrintWriter out) {
            try {
                connection.close();
            } catch (SQLException e) {
                progress(out, "  postgres: closing an ingest connection failed: %s", oneLine(e.getMessage()));
            }
        }
    }

    /**
     * A private cluster in a work directory: data directory, server log and socket directory. As root, PostgreSQL's
     * tools are run as the {@code postgres} user, which then owns the work directory.
     */
    private static final class Cluster {
        final Path bin;
        final Path workDir;
        final Path dataDir;
        final Path log;
        final boolean asPostgres;
        int port;
        private boolean started;
        private boolean discarded;

        private Cluster(Path bin, Path workDir, boolean asPostgres) {
            this.bin = bin;
            this.workDir = workDir;
            this.dataDir = workDir.resolve("pgdata");
            this.log = workDir.resolve("postgres.log");
            this.asPostgres = asPostgres;
        }

        static Cluster prepare(Path bin, Path workDir) throws Skip, IOException, InterruptedException {
            boolean root = "root".equals(System.getProperty("user.name"));
            Files.createDirectories(workDir);
            Cluster cluster = new Cluster(bin, workDir, root);
            if (Files.exists(cluster.dataDir)) {
                throw new Skip(cluster.dataDir + " already exists; pass a fresh work directory");
            }
            if (root) {
                cluster.handToPostgresUser();
            }
            return cluster;
        }

        /** PostgreSQL refuses to run as root: the postgres user must exist, own the work dir and reach it. */
        private void handToPostgresUser() throws Skip, InterruptedException {
            try {
                run(List.of("id", "-u", DB_USER), workDir);
            } catch (IOException e) {
                throw new Skip("this process runs as root, which PostgreSQL refuses, and there is no '" + DB_USER
                        + "' user to run it as; create one (apt-get install postgresql does) or run as a non-root user");
            }
            try {
                run(List.of("chown", "-R", DB_USER, workDir.toString()), workDir);
                run(List.of("runuser", "-u", DB_USER, "--", "test", "-w", workDir.toString()), workDir);
            } catch (IOException e) {
                throw new Skip("user " + DB_USER + " cannot write " + workDir + " (" + oneLine(e.getMessage())
                        + "); pass a work directory every user can reach, e.g. under /tmp");
            }
        }

        void initdb() throws IOException, InterruptedException {
            tool("initdb", "-D", dataDir.toString(), "-U", DB_USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
        }

        /** Loopback only on the given port; durability settings stay at PostgreSQL's defaults. */
        void configure(int port) throws IOException {
            this.port = port;
            String socketDir = workDir.toString().length() <= MAX_SOCKET_DIR_LENGTH ? workDir.toString() : "";
            String settings = String.join(System.lineSeparator(), "",
                    "listen_addresses = '127.0.0.1'",
                    "port = " + port,
                    "unix_socket_directories = '" + socketDir.replace("'", "''") + "'",
                    "shared_buffers = 256MB",
                    "max_connections = 50",
                    "");
            Files.writeString(dataDir.resolve("postgresql.conf"), settings, StandardOpenOption.APPEND);
        }

        void start() throws IOException, InterruptedException, SQLException {
            started = true;
            try {
                tool("pg_ctl", "-D", dataDir.toString(), "-l", log.toString(), "-w", "-t", "60", "start");
            } catch (IOException e) {
                throw new IOException(e.getMessage() + "; server log: " + logTail(), e);
            }
            awaitConnections();
        }

        private void awaitConnections() throws SQLException, InterruptedException {
            long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
            while (true) {
                try {
                    connect().close();
                    return;
                } catch (SQLException e) {
                    if (System.nanoTime() > deadline) {
                        throw new SQLException("PostgreSQL on 127.0.0.1:" + port + " accepted no connection within "
                                + CONNECT_TIMEOUT.toSeconds() + " s: " + e.getMessage() + "; server log: " + logTail(), e);
                    }
                    Thread.sleep(100);
                }
            }
        }

        Connection connect() throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + DB_USER);
        }

        /** Stops the server if it was started and deletes the work directory; prints what goes wrong. */
        synchronized void discard(PrintWriter out) {
            if (discarded) {
                return;
            }
            discarded = true;
            if (started) {
                stop(out);
            }
            try {
                deleteWorkDir();
            } catch (IOException | UncheckedIOException e) {
                progress(out, "  postgres: deleting %s failed: %s", workDir, oneLine(e.getMessage()));
            }
        }

        private void stop(PrintWriter out) {
            try {
                tool("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop");
            } catch (IOException e) {
                progress(out, "  postgres: stopping the server failed: %s", oneLine(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                progress(out, "  postgres: interrupted while stopping the server in %s", dataDir);
            }
        }

        private void deleteWorkDir() throws IOException {
            if (!Files.exists(workDir)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }

        private String logTail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join(" | ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            } catch (IOException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        }

        private void tool(String name, String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>();
            if (asPostgres) {
                command.addAll(List.of("runuser", "-u", DB_USER, "--"));
            }
            command.add(bin.resolve(name).toString());
            command.addAll(List.of(args));
            run(command, workDir);
        }
    }
}
