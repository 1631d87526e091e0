package dev.evalgate.store;

import java.io.IOException;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import dev.evalgate.EvalgateConfig;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.OnlineScorer;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Picks the store: PostgreSQL when {@code quarkus.datasource.reactive.url} is set, else the journal in the data dir.
 * At shutdown scoring finishes first, then the store writes (or journals) what it holds.
 */
public class StoreConfiguration {

    private static final Logger LOG = Logger.getLogger(StoreConfiguration.class);

    @Produces
    @Singleton
    SampleStore store(EvalgateConfig config, GoldStore gold) throws IOException {
        Optional<String> url = ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.reactive.url",
                String.class);
        if (url.isEmpty()) {
            return new JournalSampleStore(config.dataDir().resolve("runs"), gold);
        }
        // the pod name on Kubernetes, and the process, so that two gateways on one host differ too
        String instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("evalgate") + "/"
                + ProcessHandle.current().pid();
        LOG.infof("runs are kept in PostgreSQL at %s (instance %s)", url.get().replaceAll("//[^@/]*@", "//"),
                instance);
        return new PostgresSampleStore(config.dataDir().resolve("spool"), gold, config.store().bufferSize(),
                config.store().batchSize(), instance);
    }

    void shutdown(@Observes ShutdownEvent event, OnlineScorer scorer, SampleStore store) {
        scorer.close();
        store.close();
    }
}
