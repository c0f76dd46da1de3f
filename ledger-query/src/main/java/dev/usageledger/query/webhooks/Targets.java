package dev.usageledger.query.webhooks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;

/**
 * Which URLs breaches may be sent to: {@code http} and {@code https} only, and unless private
 * targets are allowed, no host that resolves to a loopback, private, link-local, unique-local,
 * carrier-grade NAT, wildcard or multicast address (a webhook must not make the ledger reach into
 * its own network). Checked when a webhook is written and again before every attempt, since a name
 * can resolve elsewhere later.
 */
public final class Targets {
    private final boolean allowPrivate;

    public Targets(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /**
     * The URL, checked.
     *
     * @throws IllegalArgumentException saying why it is refused
     */
    public URI check(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("url must be an absolute http or https URL, got '" + url + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("url must be an absolute http or https URL, got '" + url + "'");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("url must not carry credentials; the signature authenticates the ledger");
        }
        if (allowPrivate) {
            return uri;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("url's host '" + uri.getHost() + "' does not resolve");
        }
        for (InetAddress address : addresses) {
            if (isPrivate(address)) {
                throw new IllegalArgumentException("url's host '" + uri.getHost() + "' resolves to " + address.getHostAddress()
                        + ", a loopback or private address; webhooks go to public addresses unless ledger.webhooks.allow.private.targets"
                        + " is true");
            }
        }
        return uri;
    }

    static boolean isPrivate(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()
                || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            return (bytes[0] & 0xfe) == 0xfc; // fc00::/7, unique local
        }
        return (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64 // 100.64.0.0/10, carrier-grade NAT
                || (bytes[0] & 0xff) == 0; // 0.0.0.0/8
    }
}
