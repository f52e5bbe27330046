package org.serfiq;

import java.io.IOException;
import java.io.InputStream;

/**
 * The second quality network the jar carries (LightQNet dm025, MIT; its licence and provenance note
 * lie beside it under {@code /org/serfiq/quality/}), the default of {@link ModelOptions#builder()}.
 * Its bytes go to the library as {@code quality_net_data}, pinned by {@link #SHA256}: nothing is
 * written to disk.
 */
final class BundledQualityNet {
    /** Where the jar holds the network (bindings/java/pom.xml copies models/quality/ there). */
    static final String RESOURCE = "/org/serfiq/quality/lightqnet-dm025.onnx";

    /** SHA-256 of models/quality/lightqnet-dm025.onnx (models/quality/PROVENANCE.md). */
    static final String SHA256 = "06a0cfc427fb693b60dec24f646e67586fe8597ad79bd2b71dde4ccaaf69fea4";

    private static volatile byte[] bytes;

    private BundledQualityNet() {}

    /**
     * The network's bytes, read from the jar once and shared: callers must not change them.
     * Throws {@link SerfiqException} with {@link Status#MODEL_NOT_FOUND} when the jar lacks it.
     */
    static byte[] bytes() {
        byte[] b = bytes;
        if (b == null) {
            synchronized (BundledQualityNet.class) {
                if (bytes == null) {
                    bytes = read();
                }
                b = bytes;
            }
        }
        return b;
    }

    private static byte[] read() {
        try (InputStream in = BundledQualityNet.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new SerfiqException(Status.MODEL_NOT_FOUND, "this serfiq jar lacks " + RESOURCE
                        + " (the default quality network); pass qualityNet(path) or noQualityNet()");
            }
            // Size limits and the digest are checked by the library, as for any network given as bytes.
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SerfiqException(Status.MODEL_NOT_FOUND, "cannot read " + RESOURCE + ": " + e.getMessage());
        }
    }
}
