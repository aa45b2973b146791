@testable import FHIRStore
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesAndComments() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT ';');
            /* block; comment */ INSERT INTO a VALUES ('it''s; fine');
            SELECT "odd;name" FROM a;
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("CREATE TABLE a (x text DEFAULT ';')"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[2] == #"SELECT "odd;name" FROM a"#)
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                EXECUTE format($sql$ CREATE TABLE %I (x int); $sql$, 't');
            END
            $$;
            SELECT f();
            SELECT $1;
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].contains("$sql$ CREATE TABLE %I (x int); $sql$"))
        #expect(statements[0].hasSuffix("$$"))
        #expect(statements[2] == "SELECT $1")
    }

    @Test func ignoresTrailingCommentsAndBlankStatements() {
        #expect(SQLScript.statements("SELECT 1;;\n-- done\n").count == 1)
        #expect(SQLScript.statements("").isEmpty)
    }
}
