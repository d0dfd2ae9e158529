package dev.zcproxy.domain;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(
    packages = "dev.zcproxy.domain",
    importOptions = ImportOption.DoNotIncludeTests.class)
class DomainArchitectureTest {

  /** The JDK and the domain itself, nothing else: {@code javax.crypto} is the JDK's PBKDF2/HMAC. */
  @ArchTest
  static final ArchRule domain_depends_on_no_framework =
      classes()
          .that()
          .resideInAPackage("dev.zcproxy.domain..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage("java..", "javax.crypto..", "dev.zcproxy.domain..");

  /** The model is plain data: it knows no policy engine, service or port. */
  @ArchTest
  static final ArchRule model_depends_only_on_itself =
      classes()
          .that()
          .resideInAPackage("dev.zcproxy.domain.model..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage("java..", "dev.zcproxy.domain.model..");

  /** Adapters call use cases through ports; nothing inside the domain reaches for a service. */
  @ArchTest
  static final ArchRule only_services_know_services =
      classes()
          .that()
          .resideOutsideOfPackage("dev.zcproxy.domain.service..")
          .should()
          .onlyDependOnClassesThat()
          .resideOutsideOfPackage("dev.zcproxy.domain.service..");
}
