package io.ringroute.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay in front of a server (a cache node, a PostgreSQL server), to cut it off the network while it
 * keeps running (and keeps its data), then let it back: a partition, which killing the process cannot show. It can
 * also hold every byte (a stalled server: connections stay open, nothing answers) or delay each one (a slow
 * server). Shared by the tests and the soak programs; loopback only.
 */
public final class TcpProxy implements AutoCloseable {

    private final int port;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private final Object gate = new Object();
    private boolean paused;
    private volatile long delayMillis;

    /** A relay on a free loopback port to {@code targetPort} on 127.0.0.1, accepting at once. */
    public TcpProxy(int targetPort) {
        this.port = freePort();
        this.targetPort = targetPort;
        restore();
    }

    /** The port the relay listens on. */
    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Stops accepting and drops every relayed connection. */
    public void cut() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** Holds every byte in both directions until {@link #resume()}: the node looks frozen, its sockets stay open. */
    public void pause() {
        synchronized (gate) {
            paused = true;
        }
    }

    public void resume() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    /** Delays every relayed chunk by this much (0 for none): a slow node. */
    public void delay(long millis) {
        delayMillis = millis;
    }

    private void awaitGate() throws InterruptedException {
        long d = delayMillis;
        if (d > 0) {
            Thread.sleep(d);
        }
        synchronized (gate) {
            while (paused) {
                gate.wait();
            }
        }
    }

    /** Accepts and relays again, on the same port. */
    public void restore() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            server = s;
            Thread accept = new Thread(() -> acceptLoop(s), "proxy-accept-" + port);
            accept.setDaemon(true);
            accept.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket in = s.accept();
                Socket out = new Socket("127.0.0.1", targetPort);
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                return; // closed by cut()
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitGate();
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // connection dropped
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
