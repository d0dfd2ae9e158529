package dev.zcproxy.app.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rule across modules. The module graph already enforces most of it; these rules
 * catch what a shared dependency would let slip through. This module's test classpath holds every
 * module the proxy is built from, so it sees them all. The domain's own purity rule lives in the
 * domain's {@code DomainArchitectureTest}.
 */
@AnalyzeClasses(packages = "dev.zcproxy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule adapters_do_not_depend_on_apps =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.zcproxy.inbound..", "dev.zcproxy.outbound..", "dev.zcproxy.splice..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.app..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule inbound_adapters_do_not_depend_on_outbound_adapters =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.inbound..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.outbound..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule the_splice_adapter_sees_only_the_front_ends_spi =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.splice..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.inbound.netty")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule the_front_end_does_not_depend_on_the_splice_adapter =
      noClasses()
          .that()
          .resideInAPackage("dev.zcproxy.inbound..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.zcproxy.splice..")
          .allowEmptyShould(true);
}
