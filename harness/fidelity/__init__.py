"""Fidelity of names and numbers: does a translation keep the source's facts?"""
