package dev.usageledger.producer.internal;

import dev.usageledger.producer.SpoolFullException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only, size-bounded, durable queue of serialized events in segment files.
 *
 * <p>Each segment starts with the writer's schema (so events spooled by an older client still
 * read after an upgrade), followed by records {@code [length][spooled-at millis][bytes][crc32c]}.
 * Records are appended to the active segment; the reader takes whole sealed segments, oldest
 * first, and deletes a segment only after every event in it was acknowledged. A crash between
 * the send and the delete re-sends that segment: harmless, because the ledger counts an
 * {@code event_id} once. A torn record at the end of a segment (a crash mid-write) ends that
 * segment's readable part.
 */
public final class Spool implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final byte[] MAGIC = "LSP1".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_OVERHEAD = 4 + 8 + 4;

    /** One spooled event. */
    public record Entry(long spooledAtMillis, byte[] bytes) {
    }

    /** A sealed segment's events, to be deleted once all are acknowledged. */
    public record Segment(long sequence, List<Entry> entries, String writerSchema) {
    }

    private final Path dir;
    private final long maxBytes;
    private final boolean fsync;
    private final String writerSchema;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final TreeMap<Long, long[]> sealed = new TreeMap<>(); // sequence -> {bytes, records}
    private FileChannel active;
    private long activeSequence = -1;
    private long activeBytes;
    private long activeRecords;
    private long totalBytes;
    private long totalRecords;
    private long oldestSpooledAt = -1;

    public Spool(Path dir, long maxBytes, boolean fsync, String writerSchema) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.fsync = fsync;
        this.writerSchema = writerSchema;
        try {
            Files.createDirectories(dir);
            this.lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            this.lock = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            throw new IllegalStateException("cannot open the spool at " + dir + ": " + e, e);
        }
        if (lock == null) {
            throw new IllegalStateException("the spool at " + dir + " is in use by another ledger producer; "
                    + "give each client its own ledger.spool.dir");
        }
        recover();
    }

    /**
     * Appends one event, waiting up to {@code waitWhenFull} for room.
     *
     * @throws SpoolFullException when the bound stays reached for the whole wait
     */
    public synchronized void append(byte[] bytes, long nowMillis, Duration waitWhenFull) {
        long size = bytes.length + RECORD_OVERHEAD;
        long deadline = System.nanoTime() + waitWhenFull.toNanos();
        while (totalBytes + size > maxBytes) {
            long waitMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (waitMs <= 0) {
                throw new SpoolFullException("the spool at " + dir + " holds " + totalBytes + " bytes of its " + maxBytes
                        + "-byte bound (ledger.spool.max.bytes) and did not drain within " + waitWhenFull.toMillis()
                        + " ms; the event was not accepted. Restore the connection to Kafka or raise the bound.");
            }
            try {
                wait(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SpoolFullException("interrupted while waiting for room in the spool at " + dir);
            }
        }
        try {
            if (active == null) {
                openActive();
            }
            ByteBuffer record = ByteBuffer.allocate((int) size).putInt(bytes.length).putLong(nowMillis).put(bytes);
            CRC32C crc = new CRC32C();
            crc.update(record.array(), 0, record.position());
            record.putInt((int) crc.getValue()).flip();
            while (record.hasRemaining()) {
                active.write(record);
            }
            if (fsync) {
                active.force(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the spool at " + dir + ": " + e.getMessage(), e);
        }
        activeBytes += size;
        activeRecords++;
        totalBytes += size;
        totalRecords++;
        if (oldestSpooledAt < 0) {
            oldestSpooledAt = nowMillis;
        }
    }

    /** The oldest segment with events, sealing the active one when it is all there is. */
    public synchronized Optional<Segment> oldest() {
        if (sealed.isEmpty() && activeRecords > 0) {
            seal();
        }
        if (sealed.isEmpty()) {
            return Optional.empty();
        }
        long sequence = sealed.firstKey();
        return Optional.of(read(sequence));
    }

    /** Removes a segment whose events were all acknowledged, making room. */
    public synchronized void delete(Segment segment) {
        long[] stats = sealed.remove(segment.sequence());
        if (stats == null) {
            return;
        }
        try {
            Files.deleteIfExists(file(segment.sequence()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete spool segment " + file(segment.sequence()), e);
        }
        totalBytes -= stats[0];
        totalRecords -= stats[1];
        oldestSpooledAt = -1;
        if (!sealed.isEmpty()) {
            List<Entry> next = read(sealed.firstKey()).entries();
            oldestSpooledAt = next.isEmpty() ? -1 : next.getFirst().spooledAtMillis();
        } else if (activeRecords == 0) {
            oldestSpooledAt = -1;
        }
        notifyAll();
    }

    /** Events in the spool. */
    public synchronized long depth() {
        return totalRecords;
    }

    public synchronized boolean isEmpty() {
        return totalRecords == 0;
    }

    /** When the oldest event still in the spool was spooled, or -1 when empty. */
    public synchronized long oldestSpooledAtMillis() {
        return totalRecords == 0 ? -1 : oldestSpooledAt;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public synchronized void close() {
        try {
            if (active != null) {
                active.close();
            }
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("closing the spool at {}: {}", dir, e.toString());
        }
        notifyAll();
    }

    private void recover() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path path : files.filter(p -> p.getFileName().toString().endsWith(".spool")).toList()) {
                long sequence = Long.parseLong(path.getFileName().toString().replace(".spool", ""));
                Segment segment = read(sequence, path);
                long bytes = Files.size(path);
                sealed.put(sequence, new long[] {bytes, segment.entries().size()});
                totalBytes += bytes;
                totalRecords += segment.entries().size();
                activeSequence = Math.max(activeSequence, sequence);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool at " + dir + ": " + e.getMessage(), e);
        }
        if (!sealed.isEmpty()) {
            List<Entry> first = read(sealed.firstKey()).entries();
            oldestSpooledAt = first.isEmpty() ? -1 : first.getFirst().spooledAtMillis();
            LOG.info("spool at {} holds {} event(s) from an earlier run; they will be sent", dir, totalRecords);
        }
    }

    private void openActive() throws IOException {
        activeSequence++;
        active = FileChannel.open(file(activeSequence), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        byte[] schema = writerSchema.getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + schema.length).put(MAGIC).putInt(schema.length).put(schema).flip();
        while (header.hasRemaining()) {
            active.write(header);
        }
        activeBytes = header.capacity();
        activeRecords = 0;
        totalBytes += activeBytes;
    }

    private void seal() {
        try {
            active.force(false);
            active.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot seal spool segment " + file(activeSequence), e);
        }
        sealed.put(activeSequence, new long[] {activeBytes, activeRecords});
        active = null;
        activeBytes = 0;
        activeRecords = 0;
    }

    private Segment read(long sequence) {
        return read(sequence, file(sequence));
    }

    private Segment read(long sequence, Path path) {
        try {
            ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(path));
            byte[] magic = new byte[MAGIC.length];
            if (data.remaining() < MAGIC.length + 4 || !java.util.Arrays.equals(readInto(data, magic), MAGIC)) {
                throw new IllegalStateException("spool segment " + path + " is not a ledger spool file; move it away");
            }
            byte[] schema = new byte[data.getInt()];
            data.get(schema);
            List<Entry> entries = new ArrayList<>();
            while (data.remaining() >= RECORD_OVERHEAD) {
                int start = data.position();
                int length = data.getInt();
                if (length < 0 || data.remaining() < length + 12) {
                    break;
                }
                long spooledAt = data.getLong();
                byte[] bytes = new byte[length];
                data.get(bytes);
                CRC32C crc = new CRC32C();
                crc.update(data.array(), start, 12 + length);
                if (data.getInt() != (int) crc.getValue()) {
                    data.position(start);
                    break;
                }
                entries.add(new Entry(spooledAt, bytes));
            }
            if (data.hasRemaining()) {
                LOG.warn("spool segment {} ends with {} unreadable byte(s) (a write cut short); they are skipped",
                        path, data.remaining());
            }
            return new Segment(sequence, entries, new String(schema, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool segment " + path + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readInto(ByteBuffer data, byte[] target) {
        data.get(target);
        return target;
    }

    private Path file(long sequence) {
        return dir.resolve(String.format("%020d.spool", sequence));
    }
}
