package dev.evalgate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The map of the code: packages depend on each other without loops, and only the composition root reads settings. */
class PackageStructureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.evalgate");

    @Test
    void packagesHaveNoCycles() {
        // every package is its own slice: scoring.mera and scoring.runs may not lean on each other both ways either
        slices().matching("dev.evalgate.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void onlyTheRootPackageReadsTheConfiguration() {
        noClasses().that().resideOutsideOfPackage("dev.evalgate").should().dependOnClassesThat()
                .resideInAPackage("dev.evalgate").check(MAIN);
    }
}
