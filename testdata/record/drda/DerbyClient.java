// DerbyClient is the tiny JDBC client used to record the DRDA test captures.
// Usage: java -cp derbyclient.jar:. DerbyClient URL USER PASSWORD SECMEC
// It connects, creates a table, inserts a row, runs a SELECT and closes.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

public class DerbyClient {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: DerbyClient URL USER PASSWORD SECMEC");
            System.exit(2);
        }
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        if (!args[2].isEmpty()) {
            p.setProperty("password", args[2]);
        }
        p.setProperty("securityMechanism", args[3]);
        Class.forName("org.apache.derby.jdbc.ClientDriver");
        try (Connection c = DriverManager.getConnection(args[0], p);
             Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE CUSTOMER (ID INT, NAME VARCHAR(40))");
            s.executeUpdate("INSERT INTO CUSTOMER VALUES (1, 'Fake Customer One')");
            try (ResultSet rs = s.executeQuery("SELECT ID, NAME FROM CUSTOMER WHERE ID = 1")) {
                while (rs.next()) {
                    System.out.println("row: " + rs.getInt(1) + " " + rs.getString(2));
                }
            }
        }
        System.out.println("ok");
    }
}
