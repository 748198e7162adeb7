"""Uploaded files: type detected from the content, images cleaned of metadata, content-addressed storage.

``file_types`` says what a file really is from its bytes; ``uploads`` checks an upload against its
name and re-encodes images without metadata, refusing with ``RefusedFile``; ``storage`` keeps files
under ``UPLOAD_DIR`` named by the SHA-256 of their content.
"""
