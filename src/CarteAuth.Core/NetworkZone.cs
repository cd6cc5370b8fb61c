namespace CarteAuth;

/// <summary>Where a request comes from, as decided by the deployment (proxy, gateway, listener).</summary>
public enum NetworkZone
{
    /// <summary>The hospital's internal network.</summary>
    Internal = 0,

    /// <summary>Remote access (VPN concentrator, internet-facing portal): policies are usually stricter.</summary>
    Remote = 1,
}
