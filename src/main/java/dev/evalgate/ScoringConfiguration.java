package dev.evalgate;

import dev.evalgate.scoring.mera.CodeRunner;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.scoring.runs.OnlineScorer;
import dev.evalgate.scoring.runs.SampleScorer;
import dev.evalgate.scoring.sandbox.PythonCodeSandbox;
import java.io.IOException;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.evalgate.engine.InferenceEngine;
import dev.evalgate.ops.AdminAccess;
import dev.evalgate.store.SampleStore;

/** Wires live scoring: the MERA catalogue, gold from {@code evalgate.gold.dir}, the run scoreboard, the code sandbox. */
public class ScoringConfiguration {

    private static final Logger LOG = Logger.getLogger(ScoringConfiguration.class);

    @Produces
    @Singleton
    TaskCatalogue catalogue() {
        return TaskCatalogue.mera();
    }

    @Produces
    @Singleton
    GoldStore gold(EvalgateConfig config, TaskCatalogue catalogue) throws IOException {
        if (config.gold().dir().isEmpty()) {
            return new GoldStore(catalogue);
        }
        GoldStore gold = GoldStore.load(catalogue, config.gold().dir().get());
        LOG.infof("gold loaded from %s", config.gold().dir().get());
        return gold;
    }

    @Produces
    @Singleton
    OnlineScorer onlineScorer(TaskCatalogue catalogue, GoldStore gold, SampleStore store, InferenceEngine engine) {
        CodeRunner code = CodeRunner.lazy(PythonCodeSandbox::new);
        return new OnlineScorer(new SampleScorer(catalogue, gold, code, engine.name()), store, 2, 100_000);
    }

    @Produces
    @Singleton
    AdminAccess adminAccess(EvalgateConfig config) {
        return new AdminAccess(config.auth().adminKey());
    }
}
