package dev.evalgate.store;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A row of {@code eval_sample}: one scored completion. JSON columns are kept as text, written and read as-is. */
@Entity
@Table(name = "eval_sample")
public class SampleEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    public String run;

    public String task;

    @Column(name = "doc_id")
    public String docId;

    public String request;

    @Column(name = "raw_outputs")
    public String rawOutputs;

    public String answer;

    public Double score;

    @Column(name = "ttft_ms")
    public Double ttftMs;

    @Column(name = "total_ms")
    public Double totalMs;

    public String model;

    public String engine;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "written_by")
    public String writtenBy;
}
