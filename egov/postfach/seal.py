"""The electronic seal of a Bescheid's PDF/A (PAdES baseline B, pyHanko; ADR 0043).

With a key configured (EGOV_LETTER_SEAL_PKCS12, its password in EGOV_LETTER_SEAL_PASSWORD)
the PDF gets a PAdES signature as an incremental update: the PDF/A stays what it was (the
signature dictionary and its field are allowed in PDF/A-2b). Without a key the Bescheid is
not sealed; its signature line then says it is valid without a signature.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

FIELD = "Siegel"


@dataclass(frozen=True)
class Seal:
    signer: signers.SimpleSigner

    @classmethod
    def from_pkcs12(cls, path: str, password: str) -> Seal:
        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            Path(path), passphrase=password.encode("utf-8") if password else None
        )
        if signer is None:
            raise ValueError("Der Siegelschlüssel (PKCS#12) ist nicht lesbar.")
        return cls(signer)

    def __call__(self, pdf: bytes) -> bytes:
        """`pdf` with the seal added as an incremental update."""
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD, subfilter=SigSeedSubFilter.PADES, reason="Bescheid"
        )
        out = signers.PdfSigner(meta, signer=self.signer).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf))
        )
        return bytes(out.getbuffer())
