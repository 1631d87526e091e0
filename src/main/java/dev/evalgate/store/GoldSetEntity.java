package dev.evalgate.store;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A row of {@code gold_set}: the gold file last uploaded for a task, as uploaded. */
@Entity
@Table(name = "gold_set")
public class GoldSetEntity extends PanacheEntityBase {

    @Id
    public String task;

    @Column(name = "file_name")
    public String fileName;

    public String content;

    @Column(name = "uploaded_at")
    public OffsetDateTime uploadedAt;
}
