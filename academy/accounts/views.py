# Placeholder blueprint: the accounts helper replaces this file.
from flask import Blueprint
from ..access import public, signed_in

bp = Blueprint("accounts", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    return "sign in"


@bp.post("/sign-out")
@signed_in
def sign_out():
    return "sign out"


@bp.get("/profile")
@signed_in
def profile():
    return "profile"
