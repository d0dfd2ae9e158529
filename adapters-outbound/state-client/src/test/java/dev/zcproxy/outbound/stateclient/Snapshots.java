package dev.zcproxy.outbound.stateclient;

import dev.zcproxy.domain.contract.StateFixtures;
import dev.zcproxy.domain.model.PasswordHash;
import dev.zcproxy.domain.model.User;
import dev.zcproxy.domain.state.PolicyRevision;
import dev.zcproxy.domain.state.PolicySettings;
import dev.zcproxy.domain.state.RuleId;
import dev.zcproxy.domain.state.StoredRule;
import dev.zcproxy.domain.state.StoredUser;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** A snapshot that uses every field, for the tests of this module. */
final class Snapshots {

  static final RuleId FIRST = new RuleId(UUID.fromString("3f0c6a52-4d0e-4a55-9d7e-000000000001"));
  static final RuleId SECOND = new RuleId(UUID.fromString("3f0c6a52-4d0e-4a55-9d7e-000000000002"));

  private Snapshots() {}

  static PolicyRevision sample(long revision, long settingsVersion) {
    return new PolicyRevision(
        revision,
        new PolicySettings(true, settingsVersion),
        List.of(
            new StoredUser(new User("alice", StateFixtures.HASH, Set.of("ops", "staff"), true), 2),
            new StoredUser(new User("bob", new PasswordHash("{plain}pw"), Set.of(), false), 3)),
        List.of(
            new StoredRule(FIRST, 1, StateFixtures.everyForm(), 4),
            new StoredRule(SECOND, 2, StateFixtures.allow("a.example"), 5)));
  }

  /** The body the state service sends for {@link #sample}. */
  static String body(long revision) {
    return """
        {"revision":%d,"anonymous":true,
         "users":[
          {"name":"alice","groups":["ops","staff"],"enabled":true,"version":2,"passwordHash":"%s"},
          {"name":"bob","groups":[],"enabled":false,"version":3,"passwordHash":"{plain}pw"}],
         "rules":[
          {"id":"%s","position":1,"action":"deny","users":["alice","bob"],"groups":["ops","staff"],
           "destinations":["*","*.example.com","example.org","10.0.0.0/8","2001:db8::/32","::1/128"],
           "ports":["443","8000-8999"],"protocols":["tcp","udp"],"version":4},
          {"id":"%s","position":2,"action":"allow","users":[],"groups":[],
           "destinations":["a.example"],"ports":[],"protocols":[],"version":5}]}
        """
        .formatted(revision, StateFixtures.HASH.encoded(), FIRST, SECOND);
  }
}
