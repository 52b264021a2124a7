# MikroTik RouterOS 7 Hotspot authenticating against citywifi.
# NOT tried on a real router: check each line against the manual of your
# RouterOS version (7.15 or later for require-message-auth).
#
# Assumes a Hotspot already made by `/ip hotspot setup` on the WiFi side
# (server profile "hsprof1", clients in 10.5.50.0/24). Replace the
# placeholders, e.g.:
#   sed -e 's/NASID/ap-q1-01/' -e 's/RADIUS_SECRET/…/' hotspot.rsc > site.rsc
# then upload site.rsc, login.html and logout.html, and `/import site.rsc`.
#   203.0.113.10/.11      citywifi RADIUS hosts
#   wifi.example.gov.vn   PORTAL_PUBLIC_URL's host
#   RADIUS_SECRET         what you gave `citywifi-cli nas add --secret`
#   NASID                 what you gave `citywifi-cli nas add --name`
# Register the router first; --ip is the address citywifi sees its RADIUS
# packets come from (its WAN address, or the public address of its NAT):
#   citywifi-cli nas add --site "Quảng trường …" --name NASID --ip 198.51.100.9 \
#     --vendor mikrotik --secret RADIUS_SECRET --login-host 10.5.50.1
# --login-host: the host of $(link-login-only) (the hotspot address, or its
# dns-name); MikroTik signs nothing in its redirect, so the portal sends
# browsers only to the router's registered addresses (docs/security.md).

# The portal finds the router by its identity ($(identity) in login.html),
# which must be the NAS name registered in citywifi.
/system identity set name="NASID"

# --- RADIUS ------------------------------------------------------------------
# timeout: RouterOS waits 300 ms by default before retrying or moving to the
# next server; an Accounting-Response leaves citywifi only after the record
# is committed, so over a WAN link give it 1 s.
# require-message-auth: citywifi puts a Message-Authenticator first in every
# reply and drops requests without one (BlastRADIUS, docs/radius.md).
/radius
add address=203.0.113.10 secret="RADIUS_SECRET" service=hotspot \
    authentication-port=1812 accounting-port=1813 timeout=1s \
    require-message-auth=yes-for-request-resp comment="citywifi RADIUS 1"
add address=203.0.113.11 secret="RADIUS_SECRET" service=hotspot \
    authentication-port=1812 accounting-port=1813 timeout=1s \
    require-message-auth=yes-for-request-resp comment="citywifi RADIUS 2"

# Disconnect-Request / CoA-Request from citywifi (quota used up, staff cut a
# session) on UDP 3799; `nas add --coa-port` must match. Let citywifi's
# addresses through the router's input firewall for udp/3799.
/radius incoming set accept=yes port=3799

# --- the Hotspot server profile ----------------------------------------------
# use-radius / radius-accounting: citywifi decides and records.
# radius-interim-update=received: the interval citywifi sends (site policy).
# login-by=http-chap,mac: MAC first (a returning device with a valid consent
# gets in without a page; a new one is rejected as no_consent and sees the
# login page), then CHAP, which the portal's login form uses.
# mac-auth-mode=mac-as-username: MAC as User-Name, empty password (accepted).
/ip hotspot profile
set [find name="hsprof1"] use-radius=yes radius-accounting=yes \
    radius-interim-update=received login-by=http-chap,mac \
    mac-auth-mode=mac-as-username nas-port-type=wireless-802.11

# Vouchers may be shared by several devices (voucher --devices N); citywifi
# enforces how many are online at once, so the router must not refuse the
# second one itself (its default shared-users is 1).
/ip hotspot user profile
set [find name="default"] shared-users=unlimited

# --- walled garden: the portal before login ----------------------------------
# HTTP-level entry for http:// (511 page, logout.html's redirect), IP-level
# entry for https:// (the splash page), which the HTTP proxy never sees.
/ip hotspot walled-garden
add dst-host=wifi.example.gov.vn action=allow comment="citywifi portal (http)"
/ip hotspot walled-garden ip
add dst-host=wifi.example.gov.vn action=accept comment="citywifi portal (https)"

# --- the login page -----------------------------------------------------------
# Upload login.html and logout.html (next to this file) into the profile's
# html-directory (e.g. flash/hotspot/), replacing the router's own. login.html
# sends the browser to the portal with the router's variables; the portal
# posts the CHAP login back to $(link-login-only).
# That post goes from the https portal page to the router's http login URL;
# some browsers warn about a form sent without encryption (the password is
# CHAP-hashed, nothing readable travels). To avoid it, give the router a name
# and a certificate for it, then login-by=https,mac plus ssl-certificate=…
# and dns-name=… on the profile, so $(link-login-only) is https.

# --- RFC 8908/8910 captive-portal API (DHCP option 114) ----------------------
# ONLY if the portal sees each phone's own address, i.e. the hotspot network
# is routed to the data centre WITHOUT masquerade. Behind NAT (the
# /ip hotspot setup default) the portal's API cannot find the phone's session
# and keeps answering "captive": true even after login: leave it out then.
# (RouterOS's Hotspot can announce a captive-portal API of its own; see your
# version's manual before adding a second option 114.)
#/ip dhcp-server option
#add name=captive-portal-api code=114 value="'https://wifi.example.gov.vn/api/captive-portal'"
#/ip dhcp-server network
#set [find address="10.5.50.0/24"] dhcp-option=captive-portal-api
