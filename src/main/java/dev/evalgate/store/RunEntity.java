package dev.evalgate.store;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A row of {@code eval_run}: a benchmark run, created by the first sample any replica writes for it. */
@Entity
@Table(name = "eval_run")
public class RunEntity extends PanacheEntityBase {

    @Id
    public String name;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /** Who created it: a client key's owner name, or null when it belongs to no one. */
    public String owner;
}
