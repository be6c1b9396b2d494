package io.ringroute.shard.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One physical PostgreSQL server: where it is, how to log in and how its connection pool is sized. Immutable.
 *
 * <p>The password and any credentials inside the URL never leave this object through {@link #toString()}; use
 * {@link #redactedUrl()} to name the server in messages.
 */
public final class ServerSpec {

    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;#]*");
    private static final Pattern URL_USERINFO = Pattern.compile("^(jdbc:postgresql://)[^/@]*@");

    private final String url;
    private final String user;
    private final String password;
    private final int maxPoolSize;
    private final int minIdle;
    private final Duration connectionTimeout;
    private final Duration socketTimeout;

    private ServerSpec(Builder b) {
        this.url = b.url;
        this.user = b.user;
        this.password = b.password;
        this.maxPoolSize = b.maxPoolSize;
        this.minIdle = Math.min(b.minIdle, b.maxPoolSize);
        this.connectionTimeout = b.connectionTimeout;
        this.socketTimeout = b.socketTimeout;
    }

    /** A server at a {@code jdbc:postgresql://} URL. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    /** The password; never logged. Empty when the server trusts the user. */
    public String password() {
        return password;
    }

    public int maxPoolSize() {
        return maxPoolSize;
    }

    public int minIdle() {
        return minIdle;
    }

    /** How long a caller waits for a connection (pool checkout plus connect) before the server counts as down. */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /** How long one network read may block; bounds a query on a server that stopped answering. 0 = no bound. */
    public Duration socketTimeout() {
        return socketTimeout;
    }

    /** The URL with any password or user info replaced by {@code ***}: safe for logs and messages. */
    public String redactedUrl() {
        return redact(url);
    }

    /** Host, port and database of the URL, lower-cased: two specs with the same address are the same server. */
    String address() {
        String rest = URL_USERINFO.matcher(url).replaceFirst("$1").substring("jdbc:postgresql://".length());
        int q = rest.indexOf('?');
        return (q < 0 ? rest : rest.substring(0, q)).toLowerCase(java.util.Locale.ROOT);
    }

    static String redact(String url) {
        return URL_PASSWORD.matcher(URL_USERINFO.matcher(url).replaceFirst("$1***@")).replaceAll("$1***");
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ServerSpec)) {
            return false;
        }
        ServerSpec s = (ServerSpec) o;
        return url.equals(s.url) && user.equals(s.user) && password.equals(s.password)
                && maxPoolSize == s.maxPoolSize && minIdle == s.minIdle
                && connectionTimeout.equals(s.connectionTimeout) && socketTimeout.equals(s.socketTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, user, maxPoolSize, minIdle, connectionTimeout, socketTimeout);
    }

    @Override
    public String toString() {
        return "ServerSpec{" + redactedUrl() + ", user=" + user + ", password=" + (password.isEmpty() ? "none" : "***")
                + ", maxPoolSize=" + maxPoolSize + ", minIdle=" + minIdle + ", connectionTimeout="
                + connectionTimeout.toMillis() + "ms, socketTimeout=" + socketTimeout.toMillis() + "ms}";
    }

    /** Builds a {@link ServerSpec}; setters check their argument and name the bad value. */
    public static final class Builder {
        private final String url;
        private String user = "postgres";
        private String password = "";
        private int maxPoolSize = 10;
        private int minIdle = 1;
        private Duration connectionTimeout = Duration.ofSeconds(2);
        private Duration socketTimeout = Duration.ofSeconds(30);

        private Builder(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("server url is missing");
            }
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new IllegalArgumentException("server url must start with jdbc:postgresql://, was " + redact(url));
            }
            this.url = url;
        }

        public Builder user(String user) {
            if (user == null || user.isEmpty()) {
                throw new IllegalArgumentException("user of " + redact(url) + " must be non-empty");
            }
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            this.password = password == null ? "" : password;
            return this;
        }

        public Builder maxPoolSize(int maxPoolSize) {
            if (maxPoolSize < 1) {
                throw new IllegalArgumentException("maxPoolSize of " + redact(url) + " must be >= 1, was " + maxPoolSize);
            }
            this.maxPoolSize = maxPoolSize;
            return this;
        }

        public Builder minIdle(int minIdle) {
            if (minIdle < 0) {
                throw new IllegalArgumentException("minIdle of " + redact(url) + " must be >= 0, was " + minIdle);
            }
            this.minIdle = minIdle;
            return this;
        }

        /** At least 250 ms (HikariCP's floor). */
        public Builder connectionTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout of " + redact(url) + " must be >= 250ms, was "
                        + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        public Builder socketTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("socketTimeout of " + redact(url) + " must be >= 0, was " + timeout);
            }
            this.socketTimeout = timeout;
            return this;
        }

        public ServerSpec build() {
            return new ServerSpec(this);
        }
    }
}
