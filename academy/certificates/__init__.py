"""Certificates: issued when an enrolment completes (or by an admin), rendered to PDF from a
snapshot, verifiable by anyone, revocable, and available as Open Badges 3.0 credentials.

Importing ``operations`` subscribes automatic issuance to the learning feature's completion hook;
``create_app`` imports it (through the views) in every process.
"""
