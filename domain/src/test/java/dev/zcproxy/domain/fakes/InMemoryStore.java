package dev.zcproxy.domain.fakes;

import dev.zcproxy.domain.contract.StorePorts;
import dev.zcproxy.domain.port.out.AclRepository;
import dev.zcproxy.domain.port.out.ApiKeyRepository;
import dev.zcproxy.domain.port.out.AuditLog;
import dev.zcproxy.domain.port.out.PolicyChangeOutbox;
import dev.zcproxy.domain.port.out.StoreUnavailableException;
import dev.zcproxy.domain.port.out.UnitOfWork;
import dev.zcproxy.domain.port.out.UserRepository;
import dev.zcproxy.domain.state.ApiKey;
import dev.zcproxy.domain.state.AuditEntry;
import dev.zcproxy.domain.state.OutboxEntry;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The state service's store in memory, with the transaction semantics of the real one:
 *
 * <ul>
 *   <li>a write works on a private copy of the state that replaces the committed one only when the
 *       work returns, so a throw rolls everything back; writes take one lock, so they are
 *       serialized;
 *   <li>a read sees the committed state as it was when it started;
 *   <li>the revision and audit-id counters are not transactional, like database sequences;
 *   <li>every repository refuses use outside a unit of work.
 * </ul>
 *
 * {@link #unavailable(boolean)} makes every unit of work fail as an unreachable database does.
 */
public final class InMemoryStore implements UnitOfWork {

  /** Everything the store holds. Records are immutable, so a shallow copy is a full copy. */
  static final class State {
    final TreeMap<String, StoredUser> users;
    final List<StoredRule> rules;
    PolicySettings settings;
    final TreeMap<String, ApiKey> apiKeys;
    final TreeMap<Long, OutboxEntry> outbox;
    final TreeMap<Long, Instant> published;
    long headRevision;
    final TreeMap<Long, AuditEntry> audit;
    final boolean writable;

    State() {
      users = new TreeMap<>();
      rules = new ArrayList<>();
      settings = PolicySettings.INITIAL;
      apiKeys = new TreeMap<>();
      outbox = new TreeMap<>();
      published = new TreeMap<>();
      audit = new TreeMap<>();
      writable = false;
    }

    private State(State from, boolean writable) {
      users = new TreeMap<>(from.users);
      rules = new ArrayList<>(from.rules);
      settings = from.settings;
      apiKeys = new TreeMap<>(from.apiKeys);
      outbox = new TreeMap<>(from.outbox);
      published = new TreeMap<>(from.published);
      headRevision = from.headRevision;
      audit = new TreeMap<>(from.audit);
      this.writable = writable;
    }

    State copy(boolean writable) {
      return new State(this, writable);
    }

    State requireWritable() {
      if (!writable) {
        throw new IllegalStateException("a write in a read-only unit of work");
      }
      return this;
    }
  }

  private static final ScopedValue<State> CURRENT = ScopedValue.newInstance();

  private final ReentrantLock writeLock = new ReentrantLock();
  private final AtomicLong revisionSequence = new AtomicLong();
  private final AtomicLong auditSequence = new AtomicLong();
  private volatile State committed = new State();
  private volatile boolean unavailable;

  private final InMemoryUserRepository users = new InMemoryUserRepository(this);
  private final InMemoryAclRepository rules = new InMemoryAclRepository(this);
  private final InMemoryApiKeyRepository apiKeys = new InMemoryApiKeyRepository(this);
  private final InMemoryPolicyChangeOutbox outbox = new InMemoryPolicyChangeOutbox(this);
  private final InMemoryAuditLog audit = new InMemoryAuditLog(this);

  public UserRepository users() {
    return users;
  }

  public AclRepository rules() {
    return rules;
  }

  public ApiKeyRepository apiKeys() {
    return apiKeys;
  }

  public PolicyChangeOutbox outbox() {
    return outbox;
  }

  public AuditLog audit() {
    return audit;
  }

  /** This store's ports, as the contract and service tests use them. */
  public StorePorts ports() {
    return new StorePorts(this, users, rules, apiKeys, outbox, audit);
  }

  /** While true, every unit of work throws {@link StoreUnavailableException}. */
  public void unavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  @Override
  public <T> T write(Supplier<T> work) {
    requireOutside();
    requireAvailable();
    writeLock.lock();
    try {
      State working = committed.copy(true);
      T result = ScopedValue.where(CURRENT, working).call(work::get);
      committed = working.copy(false);
      return result;
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public <T> T read(Supplier<T> work) {
    requireOutside();
    requireAvailable();
    return ScopedValue.where(CURRENT, committed).call(work::get);
  }

  State current() {
    if (!CURRENT.isBound()) {
      throw new IllegalStateException("repository used outside a unit of work");
    }
    return CURRENT.get();
  }

  long nextRevision() {
    return revisionSequence.incrementAndGet();
  }

  long nextAuditId() {
    return auditSequence.incrementAndGet();
  }

  private static void requireOutside() {
    if (CURRENT.isBound()) {
      throw new IllegalStateException("units of work do not nest");
    }
  }

  private void requireAvailable() {
    if (unavailable) {
      throw new StoreUnavailableException(
          "the in-memory store is switched off", new IllegalStateException("unavailable"));
    }
  }
}
