package dev.zcproxy.app.state;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rule on the state service's side: the REST adapter, the persistence adapter, the
 * brokers' adapters and this app. This module's test classpath holds every module the service is
 * built from; the proxy's side is checked in app-proxy and proxy-netty.
 */
@AnalyzeClasses(packages = "dev.zcproxy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule adapters_do_not_depend_on_apps =
      noClasses()
          .that()
          .resideInAnyPackage("dev.zcproxy.inbound..", "dev.zcproxy.outbound..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.app..");

  @ArchTest
  static final ArchRule the_rest_adapter_reaches_the_core_through_its_ports =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.inbound.rest..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.zcproxy.domain.service..", "dev.zcproxy.outbound..");

  @ArchTest
  static final ArchRule jpa_entities_never_leave_the_persistence_adapter =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.zcproxy.outbound.jpa..")
          .should()
          .dependOnClassesThat()
          .areAnnotatedWith("jakarta.persistence.Entity");

  @ArchTest
  static final ArchRule hibernate_and_jakarta_persistence_stay_in_the_persistence_adapter =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy..")
          .and()
          .resideOutsideOfPackage("dev.zcproxy.outbound.jpa..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.hibernate..", "jakarta.persistence..");

  /** Each outbound adapter stands alone; the signed wire form of a policy change is shared. */
  @ArchTest
  static final ArchRule outbound_adapters_share_only_the_policy_wire =
      slices()
          .matching("dev.zcproxy.outbound.(*)..")
          .should()
          .notDependOnEachOther()
          .ignoreDependency(
              DescribedPredicate.<JavaClass>alwaysTrue(),
              resideInAPackage("dev.zcproxy.outbound.wire.."));
}
