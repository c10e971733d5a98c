using System.Net;
using System.Net.Sockets;

namespace RecSys.TestSupport;

/// <summary>Loopback TCP ports nobody listens on, for silos and gateways started by tests.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                // Never hand out the same port twice in one process, even if it was released in between.
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
