// Drive runs the IBM Toolbox for Java (jt400.jar) client against the test responder so that
// tcpdump can record its real request bytes. Usage:
//   java -cp /usr/share/java/jt400.jar:. Drive SCENARIO USER PASSWORD
// Scenarios: signon, dbcmd, tls, remapped, nomapper. Every step reports OK or the exception
// class and message; failures are expected once the responder runs out of protocol.
import com.ibm.as400.access.AS400;
import com.ibm.as400.access.CommandCall;
import com.ibm.as400.access.SecureAS400;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

public class Drive {
    static final String HOST = "127.0.0.1";
    static final String CL = "CRTLIB LIB(FAKELIB) TEXT('ibmitap test library')";
    static final String SQL = "SELECT CUSNUM, LSTNAM, CDTLMT FROM QIWS.QCUSTCDT WHERE CUSNUM = 938472";

    interface Step {
        void run() throws Exception;
    }

    static void step(String name, Step s) {
        try {
            s.run();
            System.out.println(name + ": OK");
        } catch (Throwable t) {
            System.out.println(name + ": " + t.getClass().getName() + ": " + t.getMessage());
        }
    }

    static void signon(AS400 sys) {
        step("validateSignon", () -> sys.validateSignon());
        step("getVRM", () -> System.out.printf("VRM 0x%08X%n", sys.getVRM()));
    }

    static void database(AS400 sys) {
        step("connectService(DATABASE)", () -> sys.connectService(AS400.DATABASE));
    }

    static void command(AS400 sys) {
        step("connectService(COMMAND)", () -> sys.connectService(AS400.COMMAND));
        step("CommandCall", () -> {
            CommandCall cc = new CommandCall(sys);
            System.out.println("CommandCall returned " + cc.run(CL));
        });
    }

    static void jdbc(String url, String user, String pw) {
        step("JDBC", () -> {
            Class.forName("com.ibm.as400.access.AS400JDBCDriver");
            try (Connection c = DriverManager.getConnection(url, user, pw);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(SQL)) {
                while (rs.next()) {
                    System.out.println("row " + rs.getString(1));
                }
            }
        });
    }

    static AS400 plain(String user, String pw) {
        AS400 sys = new AS400(HOST, user, pw);
        try {
            sys.setGuiAvailable(false);
        } catch (java.beans.PropertyVetoException e) {
            throw new RuntimeException(e);
        }
        return sys;
    }

    static AS400 secure(String user, String pw) {
        SecureAS400 sys = new SecureAS400(HOST, user, pw);
        try {
            sys.setGuiAvailable(false);
        } catch (java.beans.PropertyVetoException e) {
            throw new RuntimeException(e);
        }
        return sys;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Drive signon|dbcmd|tls|remapped|nomapper USER PASSWORD");
            System.exit(2);
        }
        String user = args[1], pw = args[2];
        switch (args[0]) {
        case "signon": {
            AS400 sys = plain(user, pw);
            signon(sys);
            sys.disconnectAllServices();
            break;
        }
        case "dbcmd": {
            AS400 sys = plain(user, pw);
            signon(sys);
            database(sys);
            command(sys);
            sys.disconnectAllServices();
            jdbc("jdbc:as400://" + HOST + ";prompt=false", user, pw);
            break;
        }
        case "tls": {
            AS400 sys = secure(user, pw);
            signon(sys);
            database(sys);
            command(sys);
            sys.disconnectAllServices();
            jdbc("jdbc:as400://" + HOST + ";prompt=false;secure=true", user, pw);
            break;
        }
        case "remapped": {
            // First object: learns as-signon and as-rmtcmd from the port mapper.
            AS400 sys = plain(user, pw);
            signon(sys);
            command(sys);
            sys.disconnectAllServices();
            // TLS object: learns as-signon-s and as-database-s.
            AS400 sec = secure(user, pw);
            database(sec);
            sec.disconnectAllServices();
            // Second plain object in the same JVM: JTOpen's port cache is per system name,
            // so it connects to the learned ports without asking the port mapper again.
            AS400 again = plain(user, pw);
            step("validateSignon (cached port)", () -> again.validateSignon());
            command(again);
            again.disconnectAllServices();
            break;
        }
        case "nomapper": {
            // Fixed ports, no port mapper: like IBM i Access "standard" port lookup, but on
            // unusual ports.
            AS400 sys = plain(user, pw);
            sys.setServicePort(AS400.SIGNON, 18476);
            sys.setServicePort(AS400.COMMAND, 18475);
            sys.setServicePort(AS400.DATABASE, 18471);
            signon(sys);
            database(sys);
            command(sys);
            sys.disconnectAllServices();
            break;
        }
        default:
            System.err.println("unknown scenario " + args[0]);
            System.exit(2);
        }
        System.exit(0);
    }
}
