package dev.usageledger.producer;

import dev.usageledger.schemas.avro.UsageEvent;
import dev.usageledger.schemas.avro.UsageStatus;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * A streamed call in progress. Report usage as chunks arrive — {@link #addDelta} when the
 * provider reports increments, {@link #reportCumulative} when it reports running totals — then
 * end it with {@link #complete}, {@link #cancel} or {@link #fail}. Exactly one usage event is
 * published per call, with the tokens actually produced; a call left without an ending is
 * published as {@code cancelled} after the idle timeout, so a disconnected stream is still
 * billed. Thread-safe.
 */
public final class StreamingCall {
    private final UsageEvent template;
    private final Instant startedAt;
    private final BiFunction<StreamingCall, UsageEvent, CompletableFuture<PublishReceipt>> publisher;
    private long inputTokens;
    private long outputTokens;
    private long cachedInputTokens;
    private long reasoningTokens;
    private Instant lastActivity;
    private CompletableFuture<PublishReceipt> ended;

    StreamingCall(UsageEvent template, Instant startedAt,
                  BiFunction<StreamingCall, UsageEvent, CompletableFuture<PublishReceipt>> publisher) {
        this.template = template;
        this.startedAt = startedAt;
        this.lastActivity = startedAt;
        this.publisher = publisher;
        this.inputTokens = template.getInputTokens();
        this.cachedInputTokens = template.getCachedInputTokens();
    }

    /** Adds tokens reported as an increment. */
    public synchronized StreamingCall addDelta(long input, long output, long cachedInput, long reasoning, Instant now) {
        requireOpen();
        inputTokens += input;
        outputTokens += output;
        cachedInputTokens += cachedInput;
        reasoningTokens += reasoning;
        lastActivity = now;
        return this;
    }

    /**
     * Sets the running totals a provider reported. Totals never go down: a smaller report than
     * an earlier one (out-of-order chunks) keeps the larger.
     */
    public synchronized StreamingCall reportCumulative(long input, long output, long cachedInput, long reasoning, Instant now) {
        requireOpen();
        inputTokens = Math.max(inputTokens, input);
        outputTokens = Math.max(outputTokens, output);
        cachedInputTokens = Math.max(cachedInputTokens, cachedInput);
        reasoningTokens = Math.max(reasoningTokens, reasoning);
        lastActivity = now;
        return this;
    }

    /** Ends the call successfully and publishes its one event. */
    public CompletableFuture<PublishReceipt> complete(Instant now) {
        return end(UsageStatus.ok, now);
    }

    /** Ends the call as cancelled (the client went away) and publishes its one event. */
    public CompletableFuture<PublishReceipt> cancel(Instant now) {
        return end(UsageStatus.cancelled, now);
    }

    /** Ends the call as failed and publishes its one event. */
    public CompletableFuture<PublishReceipt> fail(Instant now) {
        return end(UsageStatus.error, now);
    }

    /** The event id the call's usage event will carry. */
    public String eventId() {
        return template.getEventId();
    }

    /** Whether the call has ended (by its caller or by the idle timeout). */
    public synchronized boolean isEnded() {
        return ended != null;
    }

    synchronized Instant lastActivity() {
        return lastActivity;
    }

    /** Ends the call; later endings return the first one's result and publish nothing. */
    synchronized CompletableFuture<PublishReceipt> end(UsageStatus status, Instant now) {
        if (ended != null) {
            return ended;
        }
        UsageEvent event = UsageEvent.newBuilder(template)
                .setInputTokens(inputTokens)
                .setOutputTokens(outputTokens)
                .setCachedInputTokens(Math.min(cachedInputTokens, inputTokens))
                .setReasoningTokens(reasoningTokens)
                .setStatus(status)
                .setLatencyMs(Math.max(0, now.toEpochMilli() - startedAt.toEpochMilli()))
                .build();
        ended = publisher.apply(this, event);
        return ended;
    }

    private void requireOpen() {
        if (ended != null) {
            throw new IllegalStateException("streamed call " + template.getEventId() + " has already ended");
        }
    }
}
